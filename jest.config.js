// Tests are written in TypeScript and compiled by `npm run build` with everything else;
// jest runs the compiled ES modules, so there is no second TypeScript toolchain to keep in step.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 60000,
};
