// Who is who in the demo org (packages/tenant-simulator/fixtures/demo-org.json).
export const ORG = {
  olivia: '188abebb-c8ab-4587-8663-1923ce011e72',
  marcus: '2dd8ffb6-83a6-4f1d-acae-912b9aa1031a',
  ben: 'a4a9e2bc-b6fd-47c9-9dfb-f7a4b1226316',
  /** Happy path: member, manager ben, mobile + office phone, mail. */
  alice: 'd0468d1d-6293-4f38-953b-01fd546aaeb1',
  /** No phone methods, mail only. */
  bob: 'f88c476d-5b59-4dc6-8b08-bb30ed549a3d',
  /** Alternate mobile only. */
  dave: '08e621fd-802f-4240-921a-d6a18d0f274a',
  /** Direct active role (Helpdesk Administrator). */
  erin: 'bb199840-69ad-4b2e-925c-ee9e30e1f511',
  /** Active role through the role-assignable group "Tier 1 Helpdesk Admins". */
  frank: '2c3dfc2a-56f1-4db9-8b1a-0792963a4d38',
  /** PIM-eligible (Security Administrator). */
  grace: '019b4fa8-1d6e-43da-bf6d-0d84af41a4d8',
  /** Disabled. */
  henry: '758e4a1c-07bd-4981-b4d9-0c3786a0685a',
  /** External B2B guest. */
  ivan: 'f38e929d-c856-42dd-beaa-7ef1fc1a756b',
  /** Internal guest. */
  judy: 'cc700cdb-da2f-4372-955e-6272a5ff1282',
  /** Office phone only, and mail. */
  kim: '359a2409-94e8-41a8-b227-4a2dcf997d28',
  /** No phone, no mail. */
  leo: '034cb0e9-9051-4edb-9454-a80156df6989',
  /** Manager changed 60 minutes before the tenant started. */
  nina: '1ce8df05-3b8d-41f9-a5af-37deba0a1727',
  /** Member of "Tier 0 Engineers" through the nested "Core Platform Team". */
  paul: '9276c9fb-e02a-494f-9c51-dd893d424145',
  /** Manager changed 10 days ago. */
  xavier: 'aec4e1f8-cb4a-4849-bee7-14cdf84944d1',
  /** No manager, Global Administrator. */
  breakGlass: '752bf088-19cf-4498-8c8b-92d4fb0d7d04',
  tier0Group: '29192d05-2eac-440a-a90f-19cf81a7aac7',
  allEngineering: '1bae3d2a-015e-4575-8918-4dbb26c8275a',
  unknown: '00000000-0000-4000-8000-00000000dead',
} as const;
