// The relay Logic App (Consumption): entitlement management can only call a Logic App. Its trigger
// accepts only Entra entitlement management's PoP tokens (the claims below), it answers 202 before
// anything else (Entra waits at most 2 s), then forwards the body to the intake with its managed
// identity under a retry policy; the connection test is answered and not forwarded. The workflow
// definition is relay/workflow.json, so its @{...} expressions need no escaping here.
param name string
param location string
param tags object
param identityId string
param intakeUrl string
param intakeAudience string

// The Entitlement Management app that signs custom-extension calls (reference facts section 5).
var entitlementManagementAppId = '810dcf14-1858-4bf2-8134-4c369fa3235b'

resource workflow 'Microsoft.Logic/workflows@2019-05-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    state: 'Enabled'
    accessControl: {
      triggers: {
        sasAuthenticationPolicy: { state: 'Disabled' }
        openAuthenticationPolicies: {
          policies: {
            AzureADEntitlementManagementPOPAuthPolicy: {
              type: 'AADPOP'
              claims: [
                { name: 'iss', value: 'https://sts.windows.net/${tenant().tenantId}/' }
                { name: 'appid', value: entitlementManagementAppId }
                { name: 'm', value: 'POST' }
                { name: 'u', value: 'management.azure.com' }
                { name: 'p', value: '/subscriptions/${subscription().subscriptionId}/resourceGroups/${resourceGroup().name}/providers/Microsoft.Logic/workflows/${name}' }
              ]
            }
          }
        }
      }
    }
    definition: loadJsonContent('../relay/workflow.json')
    parameters: {
      intakeUrl: { value: intakeUrl }
      intakeAudience: { value: intakeAudience }
      relayIdentityId: { value: identityId }
    }
  }
}

output id string = workflow.id
output name string = workflow.name
