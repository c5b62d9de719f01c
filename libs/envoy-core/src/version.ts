/** The envoys' release version; kept equal to the root package.json version (a test checks it). */
export const ENVOYS_VERSION = '0.1.0';
