// The Service Bus namespace and its queues, read from topology.json (loadJsonContent at compile
// time: one file for the emulator, the services and Azure). Local auth off: identities only.
param name string
param location string
param tags object
param intakePrincipalId string
param workerPrincipalId string
param notifierPrincipalId string

var topology = loadJsonContent('../topology.json')

// Standard: duplicate detection (which the intake's Entra retries rely on) is not in Basic.
resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [for queue in items(topology.queues): {
  parent: namespace
  name: queue.key
  properties: {
    lockDuration: queue.value.lockDuration
    maxDeliveryCount: queue.value.maxDeliveryCount
    requiresDuplicateDetection: queue.value.requiresDuplicateDetection
    duplicateDetectionHistoryTimeWindow: queue.value.duplicateDetectionHistoryTimeWindow
    defaultMessageTimeToLive: queue.value.defaultMessageTimeToLive
    deadLetteringOnMessageExpiration: queue.value.deadLetteringOnMessageExpiration
    maxSizeInMegabytes: queue.value.maxSizeInMegabytes
  }
}]

resource requests 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: namespace
  name: 'tap-requests'
}

resource deliveries 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: namespace
  name: 'tap-deliveries'
}

var sender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
// Data Owner on the consumer's own queue: receive, settle, send its delayed retries, and the
// management read KEDA's scaler needs with a managed identity (Receiver is reported insufficient).
var owner = '090c5cfd-751d-490a-894a-3ce6f1109419'

resource intakeSends 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(requests.id, intakePrincipalId, sender)
  scope: requests
  properties: {
    principalId: intakePrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', sender)
  }
  dependsOn: [queues]
}

resource workerOwnsRequests 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(requests.id, workerPrincipalId, owner)
  scope: requests
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', owner)
  }
  dependsOn: [queues]
}

resource workerSendsDeliveries 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deliveries.id, workerPrincipalId, sender)
  scope: deliveries
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', sender)
  }
  dependsOn: [queues]
}

resource notifierOwnsDeliveries 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deliveries.id, notifierPrincipalId, owner)
  scope: deliveries
  properties: {
    principalId: notifierPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', owner)
  }
  dependsOn: [queues]
}

output name string = namespace.name
output id string = namespace.id
