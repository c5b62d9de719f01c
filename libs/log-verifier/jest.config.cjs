module.exports = {
  displayName: 'log-verifier',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
