import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackConfigError } from '../errors';

export const kafkaPom = join(__dirname, 'pom.xml');

/**
 * The broker's runtime classpath from stack/kafka/pom.xml. Maven downloads the jars into ~/.m2
 * once; the resolved list is cached under `cacheDir`, keyed by the pom's content, so a warm
 * start does not pay for a Maven run (and does not need Maven at all).
 */
export function resolveKafkaClasspath(cacheDir: string, log: (line: string) => void): string {
  const pom = readFileSync(kafkaPom);
  const key = createHash('sha256').update(pom).digest('hex').slice(0, 16);
  const cached = join(cacheDir, `kafka-classpath-${key}.txt`);
  if (existsSync(cached)) {
    const classpath = readFileSync(cached, 'utf8').trim();
    if (classpath.split(':').every((jar) => existsSync(jar))) return classpath;
    rmSync(cached);
  }
  requireTool('mvn', ['-v'], 'Maven (mvn) is needed once to fetch the Kafka jars: install maven (apt-get install maven)');
  log(`resolving the Kafka jars with Maven (first start only) from ${kafkaPom}`);
  mkdirSync(cacheDir, { recursive: true });
  const began = Date.now();
  const result = spawnSync(
    'mvn',
    ['-B', '-q', '-f', kafkaPom, 'dependency:build-classpath', '-Dmdep.includeScope=runtime', `-Dmdep.outputFile=${cached}`],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.status !== 0 || !existsSync(cached)) {
    const detail = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').find((l) => l.includes('ERROR')) ?? result.error?.message ?? `exit ${result.status}`;
    throw new StackConfigError(`Maven could not resolve the Kafka jars from ${kafkaPom}: ${detail.replace(/\u001b\[[0-9;]*m/g, '').trim()}`);
  }
  log(`jars resolved in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return readFileSync(cached, 'utf8').trim();
}

/** Java 17+ is what Kafka 4 brokers need; say so in one line if it is not there. */
export function requireJava17(): void {
  const out = requireTool('java', ['-version'], 'Java 17 or newer is needed to run Kafka 4: install openjdk-17-jre-headless');
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = m?.[1] === '1' ? Number(m[2]) : Number(m?.[1]);
  if (!Number.isFinite(major) || major < 17) {
    throw new StackConfigError(`Kafka 4 needs Java 17 or newer, found: ${out.split('\n')[0]?.trim()}`);
  }
}

function requireTool(command: string, args: string[], hint: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const why = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? `'${command}' not found on PATH` : `'${command} ${args.join(' ')}' failed`;
    throw new StackConfigError(`${why}. ${hint}`);
  }
  return `${result.stdout}${result.stderr}`;
}
