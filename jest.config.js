/** Jest runs every suite but the benchmarks (npm run bench). */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // fastify's inject and @fastify/cookie (its dynamic import) pull in ESM-only cookie@2; let swc turn them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|set-cookie-parser|@fastify/cookie)/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/bench/'],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
