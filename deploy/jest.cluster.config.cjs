// The storm (deploy/test/cluster): a few hundred envoy jobs on the multi-node cluster of
// `tools/scripts/slurm-cluster.sh start --nodes 3`, with nodes killed and frozen under them. Run by
// `nx run deploy:test-cluster` (`npm run test:cluster`), not by `npm test`.
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  displayName: 'deploy-cluster',
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/'],
  roots: ['<rootDir>/test/cluster'],
  // The storm itself runs in beforeAll (its own time limit); the checks after it are quick.
  testTimeout: 120000,
};
