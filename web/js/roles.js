// Which console role may do what, as docs/api.md lists it. The console only uses this to
// hide what a role cannot use; the server enforces every rule on its own.

export const CONSOLE_ROLES = ['admin', 'security', 'supervisor', 'auditor'];
export const DEVICE_ROLES = ['door-controller', 'workstation', 'pbx', 'sensor', 'monitor'];

const PERMISSIONS = {
  'people.read': CONSOLE_ROLES,
  'people.write': ['admin', 'security'],
  'campaigns.read': CONSOLE_ROLES,
  'campaigns.write': ['admin', 'security', 'supervisor'],
  'training.read': CONSOLE_ROLES,
  'training.write': ['admin', 'security', 'supervisor'],
  'sites.read': CONSOLE_ROLES,
  'sites.write': ['admin', 'security'],
  'zones.read': CONSOLE_ROLES,
  'zones.write': ['admin', 'security'],
  'stations.read': CONSOLE_ROLES,
  'stations.write': ['admin', 'security'],
  'users.admin': ['admin'],
  'tokens.admin': ['admin'],
  'audit.read': ['admin', 'security', 'auditor'],
  'events.stream': CONSOLE_ROLES,
  // Identity and active defence.
  'floor.read': CONSOLE_ROLES,
  'reports.read': CONSOLE_ROLES,
  'accounts.read': CONSOLE_ROLES,
  'accounts.unlock': ['admin', 'security'],
  'accounts.admin': ['admin'],
  'alerts.read': CONSOLE_ROLES,
  'alerts.write': ['admin', 'security'],
  'me.security': CONSOLE_ROLES,
  // Physical access (docs/api.md "Physical access" and after). Occupancy, door states and
  // events, visits, muster and violations: every console role reads.
  'access.read': CONSOLE_ROLES,
  // Visitor check-in and check-out (there is no separate front-desk role).
  'visitors.write': ['admin', 'security', 'supervisor'],
  'violations.write': ['admin', 'security', 'supervisor'],
  // Call recording (src/api/recording_routes.cc): every console role sees calls and the
  // completeness report; administrators cannot listen, supervisors only to their campaigns'
  // calls and auditors only with a grant (the server decides those per call); supervisors
  // pause and resume an active call's recording.
  'calls.read': CONSOLE_ROLES,
  'calls.listen': ['security', 'supervisor', 'auditor'],
  'calls.pause': ['supervisor'],
};

export function can(role, permission) {
  const roles = PERMISSIONS[permission];
  return Boolean(roles && roles.includes(role));
}

export const ROLE_LABELS = {
  admin: 'Administrator',
  security: 'Security officer',
  supervisor: 'Floor supervisor',
  auditor: 'Auditor',
};
