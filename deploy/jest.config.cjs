// The batch-system tests: deploy/test/slurm.spec.ts submits real jobs to a running Slurm cluster
// (tools/scripts/slurm-cluster.sh start), deploy/test/htcondor.spec.ts checks the HTCondor submit files and
// runs their wrapper as HTCondor's starter would. Run by `nx run deploy:test-slurm`, not by `npm test`.
module.exports = {
  displayName: 'deploy',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  // A job waits for the scheduler as well as for CASA: more than the preset's 60 s per test.
  testTimeout: 120000,
  // The storm on the multi-node cluster is its own suite (jest.cluster.config.cjs, `nx run deploy:test-cluster`).
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/', '<rootDir>/test/cluster/'],
};
