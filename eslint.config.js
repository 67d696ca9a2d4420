// Lint holds the dependency line from STYLE.md: models/ is the pure core and may not import
// the IO shell (kafkajs, pg, streams/, sinks/, stack/, sandbox/), nor read clocks or randomness.
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'coverage/**', 'reports/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['models/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['kafkajs', 'pg', '@kafkajs/*', '**/streams/**', '**/sinks/**', '**/stack/**', '**/sandbox/**', '**/cli/**'],
            message: 'models/ is the pure core: pass IO in as an argument instead.' },
        ],
      }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use event time passed in, not Date.now().' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use event time passed in, not new Date().' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Inject a seeded random source.' },
      ],
    },
  },
);
