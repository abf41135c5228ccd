// What the suites that push hundreds of requests through one stack share: the demo org's
// manager -> report pairs that pass every eligibility check (20 distinct targets), and the
// settings that let many requests per target and requestor through quickly.

/** Manager -> direct report pairs of the demo org that pass every eligibility check. */
export const ELIGIBLE_PAIRS: readonly (readonly [string, string])[] = [
  ['ben.okafor', 'alice.novak'], ['ben.okafor', 'bob.lindqvist'], ['ben.okafor', 'carol.white'], ['ben.okafor', 'dave.kim'],
  ['ben.okafor', 'kim.nguyen'], ['ben.okafor', 'paul.schmidt'], ['oscar.reyes', 'quinn.foster'], ['oscar.reyes', 'rosa.diaz'],
  ['oscar.reyes', 'sam.obrien'], ['oscar.reyes', 'tara.singh'], ['uma.patel', 'victor.huang'], ['uma.patel', 'wendy.clark'],
  ['uma.patel', 'xavier.roux'], ['marcus.webb', 'ben.okafor'], ['olivia.chen', 'marcus.webb'], ['olivia.chen', 'priya.natarajan'],
  ['olivia.chen', 'diego.alvarez'], ['priya.natarajan', 'oscar.reyes'], ['diego.alvarez', 'uma.patel'], ['hannah.kowalski', 'yara.haddad'],
];

/** Stack overrides for hundreds of requests over a few minutes. */
export const HIGH_VOLUME_OVERRIDES: Readonly<Record<string, string>> = {
  // Many requests for one target and one requestor: no cooldown, no daily quota.
  WORKER_TARGET_COOLDOWN_MINUTES: '0',
  WORKER_REQUESTOR_DAILY_QUOTA: '10000',
  // A lease left by a killed worker expires soon; delayed retries come back soon.
  WORKER_LEASE_TTL_MS: '5000',
  WORKER_RETRY_BASE_DELAY_MS: '1000',
  WORKER_RETRY_CAP_MS: '5000',
  NOTIFIER_RETRY_BASE_DELAY_MS: '1000',
  // Graph's and ACS's rate limits are not under test here; hundreds of requests would exceed them.
  TENANT_SIM_ARGS: '--no-throttle',
  GRAPH_REPORTS_BUDGET: '100000',
  ACS_SIM_ARGS: '--sms-per-minute 100000 --email-per-minute 100000',
  NOTIFIER_SMS_PER_MINUTE: '100000',
  NOTIFIER_EMAIL_PER_MINUTE: '100000',
  ACS_EMAIL_POLL_INTERVAL_MS: '50',
};
