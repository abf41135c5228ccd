// The intake: a Flex Consumption Function App on Node 22, one instance always ready for HTTP so
// the relay never meets a cold start. Runtime and scale live in functionAppConfig (the classic
// FUNCTIONS_WORKER_RUNTIME / WEBSITE_RUN_FROM_PACKAGE settings are deprecated on Flex); storage,
// Application Insights and Service Bus are reached with the user-assigned identity.
param name string
param location string
param tags object
param identityId string
param identityClientId string
param storageName string
param packageContainer string
param appInsightsConnectionString string
@description('The intake\'s own settings (its config schema\'s names).')
param settings object

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'intake' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${packageContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: 40
        alwaysReady: [ { name: 'http', instanceCount: 1 } ]
      }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: { minTlsVersion: '1.2' }
  }
}

// Platform settings (the host's, not the intake's): identity-based AzureWebJobsStorage and keyless
// Application Insights.
var platformSettings = {
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(platformSettings, settings)
}

output defaultHostName string = site.properties.defaultHostName
output name string = site.name
