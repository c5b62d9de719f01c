module.exports = {
  displayName: 'tools',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  // The emulators and the release tools are projects of their own, with their own tests.
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/', '/emulators/', '/release/'],
};
