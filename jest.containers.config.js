// `npm run test:containers`: the image and the compose stack, under podman (see
// test/containers/podman.ts). Not part of `npm test`: it needs podman and builds an image.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test/containers'],
  testMatch: ['**/*.containers.js'],
  globalSetup: '<rootDir>/dist/test/containers/build-image.js',
  transform: {},
  maxWorkers: 1,
  testTimeout: 10 * 60_000,
};
