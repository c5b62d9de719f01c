import { describeLibraryPackage } from '@envoys/testing';

// The package other teams install (dist/libs/log-verifier): a bad rule set is @envoys/envoy-core's exit 65,
// through the installed envoy-core package, in both module systems.
describeLibraryPackage('log-verifier', `(() => { try { lib.loadRuleSet(1); return 'accepted'; } catch (error) { return error.exitCode === 65 ? 'ok' : String(error); } })()`);
