// Everything tapline runs on, in one resource group. The app settings of each service are the
// three `*Settings` objects below: exactly what its config schema needs in Azure and nothing more
// (test/deployment/infra.test.ts parses them against the schemas).
param location string
param tags object
param resourceToken string
param principalId string
param servedAccessPackageIds string
param smsFrom string
param alertActionGroupId string
param sealingActiveKid string
param workerMaxReplicas int
param notifierMaxReplicas int
param workerImage string
param notifierImage string

// Graph's documented budgets per application and tenant, shared by every worker replica: each
// replica gets its share (DESIGN section 5; platform facts: identity writes 3,000 per 150 s,
// identity reports 5 per 10 s).
var graphWriteBudget = 3000
var graphReportsBudget = 5
// ACS: a toll-free number sends 200 SMS per minute; an Azure-managed email domain about 5 emails
// per minute (platform facts). Shared by every notifier replica.
var smsPerMinute = 200
var emailPerMinute = 5

var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'
// The relay's tokens for the intake carry this audience; the postprovision hook gives the intake's
// app registration this identifier URI (api://<tenantId>/<string>, a pattern Entra accepts).
var intakeAudience = 'api://${tenant().tenantId}/tapline-intake-${resourceToken}'
var serviceBusNamespace = '${serviceBus.outputs.name}.servicebus.windows.net'

// ---- identities: one per service, each with only its own roles -----------------------------

resource intakeIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-intake-${resourceToken}'
  location: location
  tags: tags
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-worker-${resourceToken}'
  location: location
  tags: tags
}

resource notifierIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-notifier-${resourceToken}'
  location: location
  tags: tags
}

resource relayIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-relay-${resourceToken}'
  location: location
  tags: tags
}

// ---- Service Bus: the queues of topology.json ------------------------------------------------

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: 'sb-tapline-${resourceToken}'
    location: location
    tags: tags
    intakePrincipalId: intakeIdentity.properties.principalId
    workerPrincipalId: workerIdentity.properties.principalId
    notifierPrincipalId: notifierIdentity.properties.principalId
  }
}

// ---- Storage: the ledger's tables and the Function App's package; shared keys off ------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'sttap${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource intakePackages 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'app-package-intake'
}

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Not in the facts sheet's table: the built-in role that may create secrets (for the deployer).
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The Function App's AzureWebJobsStorage and its deployment package (identity-based).
resource intakeBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, intakeIdentity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: intakeIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

// The ledger: the worker and the notifier read and write its tables.
resource workerLedgerWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, workerIdentity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource notifierLedgerWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, notifierIdentity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: notifierIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// ---- Key Vault: the sealing keys and the ACS connection string (RBAC model) ------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-tap-${resourceToken}'
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource workerVaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, workerIdentity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource notifierVaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, notifierIdentity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: notifierIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

// ---- Communication Services: email on an Azure-managed domain; SMS number bought by hand -----

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'ecs-tap-${resourceToken}'
  location: 'global'
  tags: tags
  properties: { dataLocation: 'United States' }
}

resource emailDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  properties: { domainManagement: 'AzureManaged', userEngagementTracking: 'Disabled' }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: 'acs-tap-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: 'United States'
    linkedDomains: [emailDomain.id]
  }
}

// The notifier signs ACS requests with the access key (HMAC, as its local simulator checks); the
// key lives in Key Vault and reaches the notifier as a Container Apps Key Vault reference.
resource acsConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'acs-connection-string'
  properties: { value: communication.listKeys().primaryConnectionString }
}

// ---- Monitoring ------------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-tap-${resourceToken}'
  location: location
  tags: tags
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-tap-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource intakeMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, intakeIdentity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: intakeIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// ---- Container registry (azd builds the images in it: remoteBuild) ---------------------------

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'crtap${resourceToken}'
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

resource workerRegistryPuller 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, workerIdentity.id, roles.acrPull)
  scope: registry
  properties: {
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
  }
}

resource notifierRegistryPuller 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, notifierIdentity.id, roles.acrPull)
  scope: registry
  properties: {
    principalId: notifierIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
  }
}

// ---- The services' settings ------------------------------------------------------------------

var intakeSettings = {
  SERVICEBUS_NAMESPACE: serviceBusNamespace
  INTAKE_MANAGED_IDENTITY_CLIENT_ID: intakeIdentity.properties.clientId
  INTAKE_TENANT_ID: tenant().tenantId
  INTAKE_AUDIENCE: intakeAudience
  INTAKE_ALLOWED_CALLERS: relayIdentity.properties.clientId
}

var workerSettings = {
  SERVICEBUS_NAMESPACE: serviceBusNamespace
  TABLES_ENDPOINT: storage.properties.primaryEndpoints.table
  SEALING_KEY_VAULT_URL: vault.properties.vaultUri
  TAPLINE_SEALING_ACTIVE_KID: sealingActiveKid
  GRAPH_MANAGED_IDENTITY_CLIENT_ID: workerIdentity.properties.clientId
  GRAPH_WRITE_BUDGET: string(max(1, graphWriteBudget / workerMaxReplicas))
  GRAPH_REPORTS_BUDGET: string(max(1, graphReportsBudget / workerMaxReplicas))
  WORKER_SERVED_ACCESS_PACKAGE_IDS: servedAccessPackageIds
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
}

var notifierSettings = {
  SERVICEBUS_NAMESPACE: serviceBusNamespace
  TABLES_ENDPOINT: storage.properties.primaryEndpoints.table
  SEALING_KEY_VAULT_URL: vault.properties.vaultUri
  TAPLINE_SEALING_ACTIVE_KID: sealingActiveKid
  GRAPH_MANAGED_IDENTITY_CLIENT_ID: notifierIdentity.properties.clientId
  ACS_EMAIL_SENDER: 'DoNotReply@${emailDomain.properties.mailFromSenderDomain}'
  NOTIFIER_SMS_PER_MINUTE: string(max(1, smsPerMinute / notifierMaxReplicas))
  NOTIFIER_EMAIL_PER_MINUTE: string(max(1, emailPerMinute / notifierMaxReplicas))
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
}

// Email only until an SMS number is bought and set (docs/deploy.md, manual steps).
var notifierChannelSettings = empty(smsFrom) ? {
  NOTIFIER_CHANNEL_ORDER: 'email'
} : {
  ACS_SMS_FROM: smsFrom
}

// Settings whose values are Key Vault secrets (env name: secret name).
var notifierSecretSettings = {
  ACS_CONNECTION_STRING: acsConnection.name
}

// ---- The intake: a Flex Consumption Function App ----------------------------------------------

module intake 'modules/intake-function.bicep' = {
  name: 'intake'
  params: {
    name: 'func-intake-${resourceToken}'
    location: location
    tags: tags
    identityId: intakeIdentity.id
    identityClientId: intakeIdentity.properties.clientId
    storageName: storage.name
    packageContainer: intakePackages.name
    appInsightsConnectionString: appInsights.properties.ConnectionString
    settings: intakeSettings
  }
  dependsOn: [intakeBlobOwner]
}

var intakeCalloutUrl = 'https://${intake.outputs.defaultHostName}/api/tap-requests'

// ---- The worker and the notifier: Container Apps scaled by KEDA on their queues ---------------

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: 'cae-tap-${resourceToken}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

module worker 'modules/consumer-app.bicep' = {
  name: 'worker'
  params: {
    name: 'ca-worker-${resourceToken}'
    serviceName: 'worker'
    location: location
    tags: tags
    environmentId: environment.id
    identityId: workerIdentity.id
    registryServer: registry.properties.loginServer
    image: empty(workerImage) ? placeholderImage : workerImage
    queueName: 'tap-requests'
    serviceBusName: serviceBus.outputs.name
    maxReplicas: workerMaxReplicas
    settings: workerSettings
    secretSettings: {}
    vaultUri: vault.properties.vaultUri
  }
  dependsOn: [workerRegistryPuller, workerVaultReader, workerLedgerWriter]
}

module notifier 'modules/consumer-app.bicep' = {
  name: 'notifier'
  params: {
    name: 'ca-notifier-${resourceToken}'
    serviceName: 'notifier'
    location: location
    tags: tags
    environmentId: environment.id
    identityId: notifierIdentity.id
    registryServer: registry.properties.loginServer
    image: empty(notifierImage) ? placeholderImage : notifierImage
    queueName: 'tap-deliveries'
    serviceBusName: serviceBus.outputs.name
    maxReplicas: notifierMaxReplicas
    settings: union(notifierSettings, notifierChannelSettings)
    secretSettings: notifierSecretSettings
    vaultUri: vault.properties.vaultUri
  }
  dependsOn: [notifierRegistryPuller, notifierVaultReader, notifierLedgerWriter]
}

// ---- The relay Logic App ----------------------------------------------------------------------

module relay 'modules/relay.bicep' = {
  name: 'relay'
  params: {
    name: 'logic-relay-${resourceToken}'
    location: location
    tags: tags
    identityId: relayIdentity.id
    intakeUrl: intakeCalloutUrl
    intakeAudience: intakeAudience
  }
}

// ---- Workbook and alerts ----------------------------------------------------------------------

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    appInsightsId: appInsights.id
    serviceBusId: serviceBus.outputs.id
    relayId: relay.outputs.id
    actionGroupId: alertActionGroupId
  }
}

output registryLoginServer string = registry.properties.loginServer
output intakeAudience string = intakeAudience
output intakeCalloutUrl string = intakeCalloutUrl
output relayPrincipalId string = relayIdentity.properties.principalId
output workerPrincipalId string = workerIdentity.properties.principalId
output notifierPrincipalId string = notifierIdentity.properties.principalId
output relayWorkflowName string = relay.outputs.name
output keyVaultUri string = vault.properties.vaultUri
