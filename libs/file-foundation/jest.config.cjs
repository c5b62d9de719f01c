module.exports = {
  displayName: 'file-foundation',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
