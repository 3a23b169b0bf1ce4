import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { searchAttributes } from '../../workflows/definitions';

const root = resolve(__dirname, '..', '..');
const composeFile = join(root, 'docker-compose.yml');
const envExample = join(root, 'deploy', '.env.example');
const projectImage = 'borica-flows:local';
const secrets = ['POSTGRES_PASSWORD', 'CALLBACK_SECRET', 'PAYLOAD_ENCRYPTION_KEYS', 'CODEC_SERVER_TOKEN'];
const oneShotJobs = ['temporal-schema', 'temporal-namespace'];

interface Service {
  image?: string;
  command?: string[] | null;
  profiles?: string[];
  restart?: string;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string; required: boolean }>;
  environment?: Record<string, string | null>;
  volumes?: { type: string; source?: string; target: string }[];
}

interface Report {
  project: { services: Record<string, Service>; volumes?: Record<string, unknown> };
  variables: { name: string; default?: string; required: boolean }[];
}

const go = spawnSync('go', ['version'], { encoding: 'utf8' });
const skip =
  go.status === 0 ? false : 'go is not installed: the compose file is checked with compose-go through `go`';

describe('docker-compose.yml, loaded by compose-go (the parser Docker Compose uses)', { skip }, () => {
  let workDir: string;
  let checker: string;
  let withSandbox: Report;
  let withoutProfiles: Report;

  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'compose-check-'));
    checker = join(workDir, 'compose-check');
    const build = spawnSync('go', ['build', '-o', checker, '.'], {
      cwd: join(root, 'deploy', 'compose-check'),
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() },
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, `building deploy/compose-check failed:\n${build.stderr}`);

    withSandbox = load(composeFile, envExample, 'sandbox');
    withoutProfiles = load(composeFile, envExample, '');
  });

  after(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('validates against the Compose schema and gives every service, the sandbox behind its profile', () => {
    const all = [
      'codec-server',
      'postgresql',
      'receiver',
      'sandbox',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ];

    assert.deepEqual(Object.keys(withSandbox.project.services).sort(), all);
    assert.deepEqual(
      Object.keys(withoutProfiles.project.services).sort(),
      all.filter((name) => name !== 'sandbox'),
    );
    assert.deepEqual(withSandbox.project.services.sandbox?.profiles, ['sandbox']);
  });

  it('gives every long-running service a healthcheck and lets one-shot jobs exit', () => {
    for (const [name, service] of Object.entries(withSandbox.project.services)) {
      if (oneShotJobs.includes(name)) {
        assert.match(service.restart ?? '', /^on-failure/, `${name} must not restart once it succeeded`);
        assert.equal(service.healthcheck, undefined);
      } else {
        assert.ok(service.healthcheck?.test?.length, `${name} has no healthcheck`);
      }
    }
  });

  it('starts each service only after what it needs is healthy or done', () => {
    const services = withSandbox.project.services;
    const conditions = (name: string) =>
      Object.fromEntries(
        Object.entries(services[name]?.depends_on ?? {}).map(([dependency, { condition }]) => [
          dependency,
          condition,
        ]),
      );

    assert.deepEqual(conditions('temporal-schema'), { postgresql: 'service_healthy' });
    assert.deepEqual(conditions('temporal'), { 'temporal-schema': 'service_completed_successfully' });
    assert.deepEqual(conditions('temporal-namespace'), { temporal: 'service_healthy' });
    assert.deepEqual(conditions('temporal-ui'), {
      temporal: 'service_healthy',
      'codec-server': 'service_healthy',
    });
    assert.deepEqual(conditions('receiver'), { 'temporal-namespace': 'service_completed_successfully' });
    assert.deepEqual(conditions('worker'), {
      'temporal-namespace': 'service_completed_successfully',
      sandbox: 'service_healthy',
    });
    assert.equal(
      services.worker?.depends_on?.sandbox?.required,
      false,
      'the worker must start without the sandbox',
    );
  });

  it('documents every variable it reads in deploy/.env.example and in its own comments', () => {
    const used = withSandbox.variables.map((variable) => variable.name).sort();
    const documented = [...readEnvFile(envExample).keys()].sort();
    const comments = readFileSync(composeFile, 'utf8')
      .split('\n')
      .filter((line) => line.trimStart().startsWith('#'))
      .join('\n');

    assert.deepEqual(
      documented,
      used,
      'deploy/.env.example and docker-compose.yml disagree on the variables',
    );
    for (const name of used) assert.match(comments, new RegExp(`\\b${name}\\b`), `${name} is not explained`);
  });

  it('requires every secret instead of giving it a default, and ships none in the example', () => {
    const example = readEnvFile(envExample);

    for (const name of secrets) {
      const variable = withSandbox.variables.find((candidate) => candidate.name === name);
      assert.ok(variable?.required, `${name} must use \${${name}:?message}`);
      assert.ok(!variable.default, `${name} must have no default`);
      assert.equal(example.get(name), 'replace-me');
    }
  });

  it('refuses to load when a required secret is missing', () => {
    const partial = join(workDir, 'missing-secret.env');
    const lines = readFileSync(envExample, 'utf8').split('\n');
    writeFileSync(partial, lines.filter((line) => !line.startsWith('CALLBACK_SECRET=')).join('\n'));

    const result = run(composeFile, partial, '');

    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /CALLBACK_SECRET/);
  });

  it('refuses a file that breaks the Compose schema', () => {
    const broken = join(root, 'deploy', `.schema-check-${process.pid}.yml`);
    const original = readFileSync(composeFile, 'utf8');
    const invalid = original.replace('    entrypoint: ["/bin/sh"]', '    entrypoints: ["/bin/sh"]');
    assert.notEqual(invalid, original);
    writeFileSync(broken, invalid);

    try {
      const result = run(broken, envExample, '');
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /entrypoints/);
    } finally {
      rmSync(broken, { force: true });
    }
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(withSandbox.project.services)) {
      if (service.image === projectImage) continue;
      assert.match(service.image ?? '', /^[\w./-]+:\d[\w.-]*$/, `${name} uses an unpinned image`);
    }
  });

  it('runs entry files that exist, and mounts files and volumes that exist', () => {
    for (const [name, service] of Object.entries(withSandbox.project.services)) {
      if (service.image === projectImage) {
        const entry = service.command?.[0] ?? '';
        assert.ok(existsSync(join(root, entry)), `${name} runs ${entry}, which does not exist`);
      }
      for (const volume of service.volumes ?? []) {
        if (volume.type === 'bind')
          assert.ok(existsSync(volume.source ?? ''), `${name} mounts a missing ${volume.source}`);
        if (volume.type === 'volume') assert.ok(withSandbox.project.volumes?.[volume.source ?? '']);
      }
    }
  });

  it('shares the document store volume with the worker and keeps PostgreSQL data in a volume', () => {
    const targets = (name: string) =>
      (withSandbox.project.services[name]?.volumes ?? []).map(
        (volume) => `${volume.source}:${volume.target}`,
      );

    assert.ok(targets('worker').includes('document-store:/var/lib/borica-flows/documents'));
    assert.equal(
      withSandbox.project.services.worker?.environment?.DOCUMENT_STORE_DIR,
      '/var/lib/borica-flows/documents',
    );
    assert.ok(targets('postgresql').includes('postgres-data:/var/lib/postgresql/data'));
  });

  it('points the Web UI at the codec server', () => {
    const ui = withSandbox.project.services['temporal-ui']?.environment ?? {};

    assert.equal(ui.TEMPORAL_CODEC_ENDPOINT, 'http://localhost:8888');
    assert.equal(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS, 'true');
  });

  function load(file: string, envFile: string, profiles: string): Report {
    const result = run(file, envFile, profiles);
    assert.equal(result.status, 0, `compose-go refused ${file}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as Report;
  }

  function run(file: string, envFile: string, profiles: string) {
    return spawnSync(checker, ['-file', file, '-env-file', envFile, '-profiles', profiles], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
  }
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('runs an entry file that exists by default', () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
    const [entry] = JSON.parse(cmd ?? '[]') as string[];

    assert.ok(entry && statSync(join(root, entry)).isFile(), `CMD runs ${entry}, which does not exist`);
  });

  it('copies only sources that exist, and runs as an unprivileged user', () => {
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+\s*$/gm)].flatMap((match) =>
      (match[1] ?? '').split(/\s+/),
    );

    assert.ok(sources.length > 0);
    for (const source of sources) assert.ok(existsSync(join(root, source)), `COPY ${source}: no such file`);
    assert.match(dockerfile, /^USER node$/m);
  });
});

describe('Temporal set-up scripts', () => {
  it('register exactly the search attributes the workflows set', () => {
    const script = readFileSync(join(root, 'deploy', 'temporal', 'setup-namespace.sh'), 'utf8');
    const listed = /^search_attributes="([^"]*)"$/m.exec(script)?.[1]?.split(' ') ?? [];

    assert.deepEqual(listed.sort(), searchAttributes.map((key) => key.name).sort());
  });
});

function readEnvFile(path: string): Map<string, string> {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1] ?? '', match[2] ?? ''] as const);
  return new Map(entries);
}
