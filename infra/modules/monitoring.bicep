// The monitoring workbook and the alert rules. Log alerts and the workbook query Application
// Insights (customMetrics: the metric names of packages/observability/src/metric-names.ts);
// dead letters and failed relay runs use the platform metrics of Service Bus and the Logic App.
param location string
param tags object
param appInsightsId string
param serviceBusId string
param relayId string
@description('Action group the alerts notify; empty: none.')
param actionGroupId string

var workbook = loadJsonContent('../monitoring/workbook.json')
var logAlerts = loadJsonContent('../monitoring/log-alerts.json')
var metricActions = empty(actionGroupId) ? [] : [ { actionGroupId: actionGroupId } ]
var logActions = { actionGroups: empty(actionGroupId) ? [] : [ actionGroupId ] }

resource dashboard 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'tapline-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'tapline'
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: string(union(workbook, { fallbackResourceIds: [ appInsightsId ] }))
  }
}

// Any dead letter, per queue (EntityName '*'): DeadletteredMessages cannot be exported to logs,
// so this is a metric alert.
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'tapline-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'A message was dead-lettered: `tapctl dlq list` names it and its reason.'
    severity: 1
    enabled: true
    scopes: [ serviceBusId ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-letters'
          metricName: 'DeadletteredMessages'
          dimensions: [ { name: 'EntityName', operator: 'Include', values: [ '*' ] } ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: metricActions
  }
}

// A relay run that failed after its retries: a request Entra handed over never reached the intake.
resource relayFailures 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'tapline-relay-runs-failed'
  location: 'global'
  tags: tags
  properties: {
    description: 'The relay Logic App could not forward a call-out to the intake: see its run history.'
    severity: 1
    enabled: true
    scopes: [ relayId ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'runs-failed'
          metricName: 'RunsFailed'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: metricActions
  }
}

resource queryAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in items(logAlerts): {
  name: 'tapline-${alert.key}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: alert.value.displayName
    description: alert.value.description
    severity: alert.value.severity
    enabled: true
    scopes: [ appInsightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: alert.value.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.value.metricMeasureColumn
          dimensions: map(alert.value.dimensions, d => { name: d, operator: 'Include', values: [ '*' ] })
          operator: alert.value.operator
          threshold: alert.value.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: logActions
  }
}]
