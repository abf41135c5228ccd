// A queue consumer (the worker or the notifier) on Container Apps: one user-assigned identity for
// the registry, Key Vault references, Service Bus, tables and Graph; KEDA scales on the queue's
// length with that identity; no ingress. At least one replica (a cold start would add a polling
// interval plus start-up to every request, reference facts section 4).
param name string
@description('azd service name (azure.yaml) and container name.')
param serviceName string
param location string
param tags object
param environmentId string
param identityId string
param registryServer string
param image string
param queueName string
param serviceBusName string
param maxReplicas int
@description('Plain settings: env name -> value.')
param settings object
@description('Key Vault settings: env name -> secret name in the vault.')
param secretSettings object
param vaultUri string

var secretName = map(items(secretSettings), s => { env: s.key, secret: s.value, ref: toLower(replace(s.key, '_', '-')) })

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      registries: [ { server: registryServer, identity: identityId } ]
      secrets: map(secretName, s => { name: s.ref, keyVaultUrl: '${vaultUri}secrets/${s.secret}', identity: identityId })
    }
    template: {
      // The service drains within its own 30 s shutdown deadline; SIGKILL comes after this.
      terminationGracePeriodSeconds: 45
      containers: [
        {
          name: serviceName
          image: image
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: concat(
            map(items(settings), s => { name: s.key, value: s.value }),
            map(secretName, s => { name: s.env, secretRef: s.ref })
          )
        }
      ]
      scale: {
        minReplicas: 1
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'queue-length'
            custom: {
              type: 'azure-servicebus'
              metadata: { queueName: queueName, namespace: serviceBusName, messageCount: '10' }
              identity: identityId
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
