// The release proofs (`npm run test:release`, run by .ci/run after `npm test`): the GitLab pipeline under
// gitlab-ci-local, a release into a Verdaccio registry used by a project outside the repository, and an
// envoy's deployables. Each runs real tools on a scratch clone of the repository and takes minutes, so they
// run apart from `npm test`'s parallel tasks; two at a time (the project's test-release target), because the
// registry proof mostly waits on npm and Verdaccio while the pipeline proof computes.
module.exports = {
  displayName: 'release-tools',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 20 * 60_000,
};
