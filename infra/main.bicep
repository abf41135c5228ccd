// tapline on Azure: `azd up` provisions this (subscription scope, azd conventions), then the
// postprovision hook (azure.yaml) makes the Entra objects, then azd deploys the three services.
// docs/deploy.md walks through it; every resource type and property is checked against
// ../../shared/reference/azure-infra-facts.md (cited there).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource; one where Flex Consumption runs.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person running azd: Key Vault Secrets Officer, so the postprovision hook can create the first sealing key.')
param principalId string = deployer().objectId

@minLength(36)
@description('Access package id(s) whose custom extension calls this deployment, comma-separated: the worker refuses a call-out for any other package (check 0).')
param servedAccessPackageIds string

@description('SMS sender (E.164), bought by hand in the portal: phone numbers cannot be bought through ARM. Empty: email only until one is set.')
param smsFrom string = ''

@description('Action group every alert notifies (resource id). Empty: the alerts fire without notifying anyone.')
param alertActionGroupId string = ''

@description('Kid of the active sealing key (Key Vault secret sealing-key-<kid>). Rotation: docs/deploy.md.')
param sealingActiveKid string = 'k1'

@minValue(1)
@maxValue(30)
@description('Most worker replicas KEDA runs; the Graph budgets are divided by it.')
param workerMaxReplicas int = 3

@minValue(1)
@maxValue(10)
@description('Most notifier replicas KEDA runs; the ACS send rates are divided by it.')
param notifierMaxReplicas int = 2

@description('Images azd deployed last (its SERVICE_<NAME>_IMAGE_NAME); empty on the first provision: a placeholder runs until azd deploys.')
param workerImage string = ''
param notifierImage string = ''

var tags = { 'azd-env-name': environmentName }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'tapline-resources'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    principalId: principalId
    servedAccessPackageIds: servedAccessPackageIds
    smsFrom: smsFrom
    alertActionGroupId: alertActionGroupId
    sealingActiveKid: sealingActiveKid
    workerMaxReplicas: workerMaxReplicas
    notifierMaxReplicas: notifierMaxReplicas
    workerImage: workerImage
    notifierImage: notifierImage
  }
}

// azd writes each output to .azure/<env>/.env; the postprovision hook reads them (same names).
// No secrets here.
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.registryLoginServer
output INTAKE_APP_IDENTIFIER_URI string = resources.outputs.intakeAudience
output INTAKE_APP_DISPLAY_NAME string = 'tapline intake (${environmentName})'
output RELAY_PRINCIPAL_ID string = resources.outputs.relayPrincipalId
output WORKER_PRINCIPAL_ID string = resources.outputs.workerPrincipalId
output NOTIFIER_PRINCIPAL_ID string = resources.outputs.notifierPrincipalId
output RELAY_WORKFLOW_NAME string = resources.outputs.relayWorkflowName
output SEALING_KEY_VAULT_URL string = resources.outputs.keyVaultUri
output TAPLINE_SEALING_ACTIVE_KID string = sealingActiveKid
output INTAKE_URL string = resources.outputs.intakeCalloutUrl
