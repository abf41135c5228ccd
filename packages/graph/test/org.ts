// Who is who in the demo org, as ids (the conformance suite compares ids). The facts and the cases
// each person stands for live in one place: @tapline/tenant-simulator/demo-org.
import { DEMO } from '@tapline/tenant-simulator/demo-org';

export const ORG = {
  olivia: DEMO.olivia.id,
  marcus: DEMO.marcus.id,
  ben: DEMO.ben.id,
  alice: DEMO.alice.id,
  bob: DEMO.bob.id,
  dave: DEMO.dave.id,
  erin: DEMO.erin.id,
  frank: DEMO.frank.id,
  grace: DEMO.grace.id,
  henry: DEMO.henry.id,
  ivan: DEMO.ivan.id,
  judy: DEMO.judy.id,
  kim: DEMO.kim.id,
  leo: DEMO.leo.id,
  nina: DEMO.nina.id,
  paul: DEMO.paul.id,
  xavier: DEMO.xavier.id,
  breakGlass: DEMO.breakGlass.id,
  tier0Group: DEMO.tier0Group,
  allEngineering: DEMO.allEngineeringGroup,
  unknown: DEMO.unknownId,
} as const;
