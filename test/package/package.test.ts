// tier: e2e
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BUILT_CLI } from '../../bin/built-cli.js';

// greenlight as a user gets it: built, then packed and installed — never the TypeScript sources.
// The build runs once for the whole file, into a package root of its own in the temp directory
// (what package.json's `files` names, copied; node_modules linked so the built code finds its
// dependencies), so the repository's dist/ is never written and no test leaves one behind.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
};
let work: string;
let pkg: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, CI: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  const result = await run(command, args, cwd, env);
  assert.equal(
    result.code,
    0,
    `${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`,
  );
  return result;
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return found.sort();
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'greenlight-package-'));
  pkg = join(work, 'greenlight');
  await mkdir(pkg);
  for (const entry of ['package.json', 'README.md', ...manifest.files]) {
    if (entry.startsWith('!') || entry === 'dist') continue;
    await cp(join(repo, entry), join(pkg, entry), { recursive: true });
  }
  await symlink(join(repo, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  // --no-check: npm test's type check already checks these sources; this test is about what the build
  // and the package hold (and a consumer still typechecks against the declarations, below).
  await ok(
    process.execPath,
    ['--import', 'tsx', 'scripts/build.ts', '--out-dir', join(pkg, 'dist'), '--no-check'],
    repo,
  );
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the built CLI', () => {
  it('holds every file the code reads besides its modules, and declarations for the library', async () => {
    const built = await filesUnder(join(pkg, 'dist'));
    const assets = (await filesUnder(join(repo, 'src'))).filter((f) => !f.endsWith('.ts'));
    for (const asset of assets) assert.ok(built.includes(asset), `dist/ lacks ${asset}`);
    // The local cloud is one bundled module with the files it reads beside it, where its sources
    // keep them: models, IAM's managed policies, and its sandbox programs.
    const cloudAssets = (await filesUnder(join(repo, 'packages/localcloud/src'))).filter(
      (f) => !f.endsWith('.ts'),
    );
    for (const asset of ['models/codedeploy.json', 'iam/data/aws-managed-policies.json'])
      assert.ok(cloudAssets.includes(asset), cloudAssets.join(', '));
    for (const asset of cloudAssets)
      assert.ok(built.includes(`localcloud/${asset}`), `dist/ lacks localcloud/${asset}`);
    for (const file of ['localcloud/index.js', 'localcloud/sandbox/programs/supervisor.js'])
      assert.ok(built.includes(file), `dist/ lacks ${file}`);
    for (const file of ['index.js', 'index.d.ts', 'release.d.ts', 'source-stamp.json'])
      assert.ok(built.includes(file), `dist/ lacks ${file}`);
    // The CLI the bin runs: one bundle, split in chunks, that imports the local cloud's bundle.
    assert.ok(built.includes(BUILT_CLI.replace(/^dist\//, '')), `dist/ lacks ${BUILT_CLI}`);
    const chunks = built.filter((f) => f.startsWith('bundle/') && f.endsWith('.js'));
    assert.ok(chunks.length > 1, chunks.join(', '));
    const cloud = await Promise.all(
      chunks.map(async (f) =>
        (await readFile(join(pkg, 'dist', f), 'utf8')).includes('"../localcloud/index.js"'),
      ),
    );
    assert.ok(cloud.some(Boolean), 'no chunk of the CLI imports dist/localcloud/index.js');
  });

  it('greenlight --version', async () => {
    const result = await ok(process.execPath, [join(pkg, 'bin/greenlight.js'), '--version'], work);
    assert.equal(result.stdout.trim(), manifest.version);
  });

  it('greenlight appspec lint on the repository’s appspec.yml', async () => {
    const result = await ok(
      process.execPath,
      [join(pkg, 'bin/greenlight.js'), 'appspec', 'lint', join(repo, 'appspec.yml')],
      work,
    );
    assert.match(result.stderr, /appspec\.yml: (no problems|0 errors, \d+ warnings?)/);
  });

  it('greenlight localcloud --port 0 serves the AWS APIs from its models, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(pkg, 'bin/greenlight.js'), 'localcloud', '--port', '0'], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
          const found = /local cloud listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
          if (found?.[1]) resolve(found[1]);
        });
        void exited.then((code) =>
          reject(new Error(`localcloud exited ${code} before listening:\n${stderr}`)),
        );
      });
      // A CodeDeploy call is answered through the service model the build copied.
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'CodeDeploy_20141006.ListApplications',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/codedeploy/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      });
      assert.equal(response.status, 200, await response.clone().text());
      assert.deepEqual(await response.json(), { applications: [] });
      // A role takes an AWS managed policy, read from the data the build copied.
      const iam = (params: Record<string, string>) =>
        fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization:
              'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
          },
          body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
        });
      const trust = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      };
      const created = await iam({
        Action: 'CreateRole',
        RoleName: 'web',
        AssumeRolePolicyDocument: JSON.stringify(trust),
      });
      assert.equal(created.status, 200, await created.text());
      const attached = await iam({
        Action: 'AttachRolePolicy',
        RoleName: 'web',
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforAWSCodeDeploy',
      });
      assert.equal(attached.status, 200, await attached.text());
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    assert.match(stderr, /local cloud stopped/);
  });
});

describe('the packed package, installed into a project of its own', () => {
  let project: string;

  before(async () => {
    const packed = await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], pkg);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const tarball = join(work, info.filename);
    const listed = info.files.map((f) => f.path);
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/localcloud/models/codedeploy.json',
      BUILT_CLI,
      'bin/greenlight.js',
      'bin/built-cli.js',
      // What greenlight init renders and adapts.
      'dist/init/templates/hooks/lib.sh',
      'dist/init/templates/circleci/config.yml',
      'sam-template.yaml',
    ])
      assert.ok(listed.includes(file), `the package lacks ${file}`);
    const stray = listed.filter((f) => /^(src|test|scripts)\//.test(f) || f.endsWith('.map'));
    assert.deepEqual(stray, [], 'the package ships only what runs');

    project = join(work, 'project');
    await mkdir(project);
    await writeScratchProject(project, tarball);
    // npm's cache holds every dependency after `npm ci` in the repository: offline first, and the
    // registry only when this machine's cache lacks one.
    const offline = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
    if (offline.code !== 0) {
      assert.match(offline.stderr, /ENOTCACHED/, offline.stderr);
      await ok('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], project);
    }
  });

  it("import { verify } from 'greenlight' is a function", async () => {
    const result = await ok(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { verify, release, ExitCode } from 'greenlight'; console.log(typeof verify, typeof release, ExitCode.RolledBack);",
      ],
      project,
    );
    assert.equal(result.stdout.trim(), 'function function 5');
  });

  it('its types come with it: a consumer typechecks against dist/index.d.ts', async () => {
    await writeFile(
      join(project, 'consumer.ts'),
      [
        "import { verify, type VerifyRequest, type Deps } from 'greenlight';",
        "const request: VerifyRequest = { deploymentId: 'd-A1B2C3D4E' };",
        'export const check = (deps: Deps) => verify(request, deps).then((r) => r.verdict.verified);',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    await ok(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);
  });

  it('its greenlight bin runs', async () => {
    const result = await ok(join(project, 'node_modules/.bin/greenlight'), ['--version'], project);
    assert.equal(result.stdout.trim(), manifest.version);
  });

  it('greenlight init --yes scaffolds the project, and greenlight appspec lint accepts what it wrote', async () => {
    const bin = join(project, 'node_modules/.bin/greenlight');
    // No AWS credentials of this machine: init writes the account placeholder instead of asking STS.
    const noAws = {
      AWS_CONFIG_FILE: '/nonexistent/greenlight-test/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/greenlight-test/credentials',
      AWS_ACCESS_KEY_ID: undefined,
      AWS_PROFILE: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    };
    const init = await ok(bin, ['init', '--yes'], project, noAws);
    assert.match(
      init.stderr,
      /wrote greenlight\.yml, appspec\.yml, hooks\/lib\.sh, .*hooks\/scratch\.service, hooks\/README\.md, index\.js, \.circleci\/config\.yml/,
    );
    // The scratch project is an ES module package: the example app is one too.
    assert.match(
      await readFile(join(project, 'index.js'), 'utf8'),
      /^import \{ createServer \} from 'node:http';$/m,
    );
    const lint = await ok(bin, ['appspec', 'lint'], project);
    assert.match(lint.stderr, /appspec\.yml: no problems/);
  });

  it('greenlight demo tells its story on the local cloud the package carries', async () => {
    const result = await run(
      join(project, 'node_modules/.bin/greenlight'),
      [
        'demo',
        '--agent',
        'synthetic',
        '--instances',
        '2',
        '--time-scale',
        '600',
        '--reports',
        'demo-reports',
      ],
      project,
    );
    assert.equal(result.code, 0, `${result.stderr}${result.stdout}`);
    assert.match(result.stderr, /the story went as told/);
    // The HTML reports come from the bundle too (src/report, loaded with the demo).
    const pages = (await readdir(join(project, 'demo-reports'))).filter((f) => f.endsWith('.html')).sort();
    assert.deepEqual(pages, ['rollback.html', 'v1.html', 'v2.html', 'v3.html']);
  });
});

/**
 * A project that depends on the tarball, with a lockfile made from the repository's: the tarball,
 * then every package the repository's lockfile installs for production, at the same versions and
 * integrity — so `npm ci` can take them from npm's cache instead of asking the registry.
 */
async function writeScratchProject(dir: string, tarball: string): Promise<void> {
  const lock = JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<
      string,
      { dev?: boolean; version?: string; dependencies?: unknown } & Record<string, unknown>
    >;
  };
  const self = lock.packages[''];
  assert.ok(self, 'package-lock.json has no root package');
  const dependency = `file:${relative(dir, tarball)}`;
  // Not the workspace (the local cloud is bundled into dist/; a link to packages/ means nothing here).
  const production = Object.entries(lock.packages).filter(
    ([path, entry]) => path !== '' && !entry.dev && !entry.link && !path.startsWith('packages/'),
  );
  const project = {
    name: 'scratch',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { greenlight: dependency },
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(project, null, 2)}\n`);
  const packages = {
    '': { name: project.name, version: project.version, dependencies: project.dependencies },
    'node_modules/greenlight': {
      version: manifest.version,
      resolved: dependency,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
    },
    ...Object.fromEntries(production),
  };
  await writeFile(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: project.name, version: project.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}
