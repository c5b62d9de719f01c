module.exports = {
  displayName: 'ppr-audit',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
