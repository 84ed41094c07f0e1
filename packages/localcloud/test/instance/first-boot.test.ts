// tier: unit
// User data as cloud-init reads it (scripts, #cloud-config runcmd and write_files, what it does not
// handle) and the paths an image's `lacks:` stands for (bundles, normalization, what a sandbox must
// replace to hide them).
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { expandLacks, ImageLacksError } from '../../src/instance/images.js';
import { decodeUserData, parseUserData, shellQuote } from '../../src/instance/user-data.js';
import { HIDDEN_PATHS_DIR, planHiddenPaths, prepareHiddenPaths } from '../../src/sandbox/hidden-paths.js';
import { parseWorld, WorldError } from '../../src/world.js';

// A host directory outside the ones every instance has of its own (/tmp is one of those).
const HOST_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const stored = (text: string): string => Buffer.from(text).toString('base64');

describe('user data as cloud-init reads it', () => {
  it('decodes EC2’s base64, gunzipping gzip as cloud-init does', () => {
    assert.equal(decodeUserData(stored('#!/bin/sh\necho hi\n')).toString(), '#!/bin/sh\necho hi\n');
    const zipped = gzipSync(Buffer.from('#cloud-config\nruncmd: [date]\n')).toString('base64');
    assert.equal(decodeUserData(zipped).toString(), '#cloud-config\nruncmd: [date]\n');
  });

  it('runs a #! script as it is', () => {
    const plan = parseUserData(Buffer.from('#!/bin/bash\nset -e\napt-get install -y nodejs\n'));
    assert.equal(plan.kind, 'script');
    assert.equal(
      plan.kind === 'script' && plan.script.toString(),
      '#!/bin/bash\nset -e\napt-get install -y nodejs\n',
    );
  });

  it('turns runcmd into one shell script: strings as lines, lists quoted argument by argument', () => {
    const plan = parseUserData(
      Buffer.from(
        [
          '#cloud-config',
          'runcmd:',
          '  - echo "booted" > /var/tmp/boot',
          '  - [sh, -c, "echo it\'s $HOME"]',
          '  - [systemctl, start, codedeploy-agent]',
        ].join('\n'),
      ),
    );
    assert.equal(plan.kind, 'cloud-config');
    if (plan.kind !== 'cloud-config') return;
    assert.equal(
      plan.runcmd,
      `#!/bin/sh\necho "booted" > /var/tmp/boot\n'sh' '-c' 'echo it'\\''s $HOME'\n'systemctl' 'start' 'codedeploy-agent'\n`,
    );
    assert.deepEqual(plan.warnings, []);
  });

  it('reads write_files with cloud-init’s defaults and encodings, and skips what it cannot write', () => {
    const plan = parseUserData(
      Buffer.from(
        [
          '#cloud-config',
          'write_files:',
          '  - path: /etc/app.env',
          '    content: PORT=8000',
          '  - path: /opt/app/run.sh',
          `    content: ${Buffer.from('#!/bin/sh\n').toString('base64')}`,
          '    encoding: b64',
          '    permissions: 0755',
          '    owner: app:app',
          '    defer: true',
          '  - path: /var/log/app.log',
          `    content: ${gzipSync('line\n').toString('base64')}`,
          '    encoding: gz+b64',
          '    append: true',
          '  - path: relative/path',
          '    content: x',
          '  - path: /etc/odd',
          '    encoding: rot13',
          'packages: [nodejs]',
        ].join('\n'),
      ),
    );
    assert.equal(plan.kind, 'cloud-config');
    if (plan.kind !== 'cloud-config') return;
    assert.deepEqual(
      plan.writeFiles.map((f) => ({ ...f, content: f.content.toString() })),
      [
        {
          path: '/etc/app.env',
          content: 'PORT=8000',
          permissions: '644',
          owner: 'root:root',
          append: false,
          defer: false,
        },
        {
          path: '/opt/app/run.sh',
          content: '#!/bin/sh\n',
          permissions: '755',
          owner: 'app:app',
          append: false,
          defer: true,
        },
        {
          path: '/var/log/app.log',
          content: 'line\n',
          permissions: '644',
          owner: 'root:root',
          append: true,
          defer: false,
        },
      ],
    );
    assert.equal(plan.runcmd, undefined);
    assert.deepEqual(plan.warnings, [
      'cloud-config key packages is not emulated by the local cloud',
      'write_files.3: expected an absolute path; skipped',
      'write_files.4: unknown encoding rot13; skipped',
    ]);
  });

  it('leaves what cloud-init does not handle unrun, saying why', () => {
    assert.deepEqual(parseUserData(Buffer.alloc(0)), { kind: 'none' });
    for (const text of [
      'hello world\n',
      '#include\nhttp://example.org/x\n',
      'Content-Type: multipart/mixed\n',
    ])
      assert.equal(parseUserData(Buffer.from(text)).kind, 'unhandled', text);
    const bad = parseUserData(Buffer.from('#cloud-config\nruncmd: [unclosed\n'));
    assert.equal(bad.kind, 'unhandled');
    assert.match(bad.kind === 'unhandled' ? bad.reason : '', /^Failed loading yaml blob/);
  });

  it('quotes for /bin/sh', () => {
    assert.equal(shellQuote(`a b'c`), `'a b'\\''c'`);
  });
});

describe('what an image lacks', () => {
  it('expands bundles to where the program lives, the host’s own node among them, and normalizes paths', () => {
    const paths = expandLacks(['node', '/usr/local/bin//tool/', '/usr/bin/node'], '/opt/node-v22/bin/node');
    assert.ok(paths.includes('/usr/bin/node'));
    assert.ok(paths.includes('/usr/local/bin/node'));
    assert.ok(paths.includes('/usr/lib/node_modules'));
    assert.ok(paths.includes('/opt/node-v22/bin/node'));
    assert.ok(paths.includes('/usr/local/bin/tool'));
    assert.equal(paths.filter((p) => p === '/usr/bin/node').length, 1);
  });

  it('refuses relative paths, unknown bundles and /', () => {
    assert.throws(() => expandLacks(['nodejs-runtime'], '/usr/bin/node'), ImageLacksError);
    assert.throws(() => expandLacks(['/'], '/usr/bin/node'), /cannot lack \//);
  });

  it('is checked where the world names the image', () => {
    const world = parseWorld({
      images: [{ id: 'ami-0123456789abcdef0', lacks: ['node'], serves: '/healthcheck' }],
    });
    assert.ok(world.images[0]!.lacks.includes('/usr/bin/node'));
    assert.throws(
      () => parseWorld({ images: [{ id: 'ami-0123456789abcdef0', lacks: ['nodejs-runtime'] }] }),
      (error: Error) =>
        error instanceof WorldError && /images\.0\.lacks: nodejs-runtime is neither/.test(error.message),
    );
    assert.throws(() => parseWorld({ images: [{ id: 'image-1' }] }), /images\.0\.id: expected an image id/);
  });

  it('replaces the directories that hold a lacked path, every directory between two of them, and removes the instance’s own', () => {
    const host = mkdtempSync(join(HOST_DIR, 'lacks-'));
    try {
      mkdirSync(join(host, 'usr/bin'), { recursive: true });
      mkdirSync(join(host, 'usr/lib/node_modules/npm'), { recursive: true });
      writeFileSync(join(host, 'usr/bin/node'), '');
      writeFileSync(join(host, 'usr/bin/ls'), '');
      symlinkSync('python3.11', join(host, 'usr/bin/python3'));
      writeFileSync(join(host, 'usr/bin/systemctl'), '');
      const plan = planHiddenPaths([
        join(host, 'usr/bin/node'),
        join(host, 'usr/lib/node_modules'),
        join(host, 'usr/bin/absent'),
        '/etc/hostname',
      ]);
      assert.deepEqual(
        [...plan.replaced].map(([dir, names]) => [dir, [...names]]),
        [
          [join(host, 'usr/bin'), ['node']],
          [join(host, 'usr/lib'), ['node_modules']],
        ],
      );
      assert.deepEqual(plan.removed, ['/etc/hostname']);
      const nested = planHiddenPaths([join(host, 'usr/bin/node'), join(host, 'usr/lib/node_modules/npm')]);
      assert.deepEqual(
        [...nested.replaced.keys()],
        [join(host, 'usr/bin'), join(host, 'usr/lib/node_modules')],
      );
      const between = planHiddenPaths([join(host, 'usr/bin'), join(host, 'usr/lib/node_modules/npm')]);
      assert.deepEqual([...between.replaced.keys()].sort(), [
        join(host, 'usr'),
        join(host, 'usr/lib'),
        join(host, 'usr/lib/node_modules'),
      ]);
      // Under a lacked directory, nothing more is to hide.
      const under = planHiddenPaths([join(host, 'usr/lib'), join(host, 'usr/lib/node_modules/npm')]);
      assert.deepEqual([...under.replaced.keys()], [join(host, 'usr')]);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it('builds a replacement directory of symlinks to the host’s, without the lacked entry', async () => {
    const host = mkdtempSync(join(HOST_DIR, 'lacks-host-'));
    const root = mkdtempSync(join(tmpdir(), 'lacks-root-'));
    try {
      mkdirSync(join(host, 'bin'));
      for (const name of ['node', 'ls', 'systemctl']) writeFileSync(join(host, 'bin', name), '');
      symlinkSync('ls', join(host, 'bin/dir'));
      const binds = await prepareHiddenPaths(root, [join(host, 'bin/node')], [join(host, 'bin/systemctl')]);
      assert.deepEqual(binds, [
        { source: join(host, 'bin'), target: `${HIDDEN_PATHS_DIR}/0` },
        { source: join(root, '.image/0'), target: join(host, 'bin') },
      ]);
      const replacement = join(root, '.image/0');
      assert.deepEqual(readdirSync(replacement).sort(), ['dir', 'ls', 'systemctl']);
      assert.equal(readlinkSync(join(replacement, 'ls')), `${HIDDEN_PATHS_DIR}/0/ls`);
      assert.equal(readlinkSync(join(replacement, 'dir')), 'ls');
      // A later bind mounts the local cloud's systemctl there: a file, not a symlink to follow.
      assert.throws(() => readlinkSync(join(replacement, 'systemctl')), /EINVAL/);
    } finally {
      rmSync(host, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });
});
