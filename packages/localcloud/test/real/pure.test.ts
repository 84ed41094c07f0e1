// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cloud } from '../../src/cloud.js';
import { scriptDiagnostics, scriptSource } from '../../src/agent/real-agent.js';
import { LineSplitter, ScriptLog } from '../../src/agent/script-log.js';
import { scriptCommand } from '../../src/agent/script-runner.js';
import { bundleEnvironment } from '../../src/agent/revision-bundle.js';
import { checkTimeoutMs, matcherAccepts } from '../../src/elbv2/health-check.js';
import { listenerBackends, routable, type Backend } from '../../src/elbv2/listener-proxy.js';
import { metadataAnswer } from '../../src/instance/metadata.js';
import { bwrapArgs } from '../../src/sandbox/bubblewrap.js';
import { nsenterArgs, subordinateRange, type Confinement } from '../../src/sandbox/confinement.js';
import { unshareCommand } from '../../src/sandbox/unshare.js';
import {
  expandWords,
  parseEnvironmentFile,
  parseServiceUnit,
  splitWords,
  UnitFileError,
} from '../../src/sandbox/programs/unit-file.js';
import { applyWorld, parseWorld, type WorldInput } from '../../src/world.js';

describe('the log tail', () => {
  it('keeps the last 2,048 characters in whole entries', () => {
    const log = new ScriptLog();
    log.append('LifecycleEvent - AfterInstall');
    for (let i = 0; i < 300; i++) log.append(`[stdout]line ${i}`);
    const tail = log.tail();
    assert.ok(tail.length <= 2048);
    assert.ok(tail.endsWith('[stdout]line 299\n'));
    assert.ok(tail.startsWith('[stdout]line '));
    assert.ok(tail.length > 2048 - '[stdout]line 299\n'.length);
  });

  it('splits output into lines as they complete, with the last partial line on flush', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('one\r\ntw');
    splitter.push('o\nthree');
    assert.deepEqual(lines, ['one', 'two']);
    splitter.flush();
    assert.deepEqual(lines, ['one', 'two', 'three']);
  });
});

describe('which revision runs which hook (spec §6.4)', () => {
  const normal = { creator: 'user', deploymentType: 'BLUE_GREEN' };
  const rollback = { creator: 'codeDeployRollback', deploymentType: 'BLUE_GREEN' };
  it('takes ApplicationStop and block traffic from the last successful install', () => {
    assert.equal(scriptSource('ApplicationStop', normal), 'last-successful');
    assert.equal(scriptSource('BeforeBlockTraffic', normal), 'last-successful');
    assert.equal(scriptSource('AfterInstall', normal), 'current');
    assert.equal(scriptSource('BeforeAllowTraffic', normal), 'current');
  });
  it('in a blue/green rollback, block traffic from the most recent and allow traffic from the last successful', () => {
    assert.equal(scriptSource('AfterBlockTraffic', rollback), 'most-recent');
    assert.equal(scriptSource('AfterAllowTraffic', rollback), 'last-successful');
    assert.equal(scriptSource('ApplicationStop', rollback), 'last-successful');
    assert.equal(scriptSource('ValidateService', rollback), 'current');
    assert.equal(
      scriptSource('AfterBlockTraffic', { ...rollback, deploymentType: 'IN_PLACE' }),
      'last-successful',
    );
  });
});

describe("the agent's wording", () => {
  const script = { location: 'hooks/a.sh', path: '/archive/hooks/a.sh', timeoutSeconds: 30 };
  it('names the runas user of a failed script, and the timeout of a timed-out one', () => {
    assert.equal(
      scriptDiagnostics({ ...script, runas: 'web' }, { kind: 'failed', exitCode: 2 }, '').diagnostics.message,
      'Script at specified location: hooks/a.sh run as user web failed with exit code 2',
    );
    assert.equal(
      scriptDiagnostics(script, { kind: 'timed-out' }, 'tail').diagnostics.message,
      'Script at specified location: hooks/a.sh failed to complete in 30 seconds',
    );
  });
  it('runs runas scripts through su, as the agent does', () => {
    assert.deepEqual(scriptCommand({ ...script, runas: 'web' }), ['su', 'web', '-c', '/archive/hooks/a.sh']);
    assert.deepEqual(scriptCommand({ ...script, runas: 'web', sudo: true }), [
      'sudo',
      'su',
      'web',
      '-c',
      '/archive/hooks/a.sh',
    ]);
  });
  it('unsets BUNDLE_VERSION and BUNDLE_ETAG when the revision has none', () => {
    assert.deepEqual(bundleEnvironment({ revisionType: 'S3', s3Location: { bucket: 'b', key: 'k.zip' } }), {
      BUNDLE_BUCKET: 'b',
      BUNDLE_KEY: 'k.zip',
    });
    assert.deepEqual(
      bundleEnvironment({ revisionType: 'GitHub', gitHubLocation: { repository: 'o/r', commitId: 'abc' } }),
      { BUNDLE_COMMIT: 'abc' },
    );
  });
});

describe('unit files', () => {
  it('reads the service keys the local systemctl supervises', () => {
    const unit = parseServiceUnit(
      'web.service',
      [
        '[Unit]',
        'Description=The web app',
        '[Service]',
        'User=web',
        'Environment=A=1 "B=two words"',
        'Environment=C=3',
        'EnvironmentFile=-/etc/web.env',
        'WorkingDirectory=/opt/web',
        'ExecStart=/usr/bin/node \\',
        '  /opt/web/server.mjs --port ${PORT}',
        'Restart=always',
        'RestartSec=2',
        '[Install]',
        'WantedBy=multi-user.target',
      ].join('\n'),
    );
    assert.equal(unit.description, 'The web app');
    assert.equal(unit.user, 'web');
    assert.deepEqual(unit.environment, [
      ['A', '1'],
      ['B', 'two words'],
      ['C', '3'],
    ]);
    assert.deepEqual(unit.environmentFiles, [{ path: '/etc/web.env', optional: true }]);
    assert.deepEqual(unit.execStart[0]?.words, ['/usr/bin/node', '/opt/web/server.mjs', '--port', '${PORT}']);
    assert.equal(unit.restart, 'always');
    assert.equal(unit.restartSeconds, 2);
    assert.deepEqual(unit.wantedBy, ['multi-user.target']);
  });
  it('refuses a unit without ExecStart', () => {
    assert.throws(() => parseServiceUnit('x.service', '[Service]\nUser=web\n'), UnitFileError);
  });
  it('expands ${VAR} as one word and $VAR as words; reads environment files', () => {
    assert.deepEqual(expandWords(['run', '${A}', '$B'], { A: 'x y', B: 'p q' }), ['run', 'x y', 'p', 'q']);
    assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
    assert.deepEqual(parseEnvironmentFile('# c\nA=1\nexport B="two"\n\nbad line\n'), [
      ['A', '1'],
      ['B', 'two'],
    ]);
  });
});

describe('health checks and listeners', () => {
  it('matches AWS matchers', () => {
    assert.equal(matcherAccepts('200', 200), true);
    assert.equal(matcherAccepts('200,202', 202), true);
    assert.equal(matcherAccepts('200-299', 250), true);
    assert.equal(matcherAccepts('200-299', 301), false);
  });
  it('scales the check timeout, within a floor and the unscaled timeout', () => {
    assert.equal(checkTimeoutMs(5, 1), 5000);
    assert.equal(checkTimeoutMs(5, 1000), 1000);
    assert.equal(checkTimeoutMs(60, 10), 6000);
  });
  it('routes to healthy targets, fails open to unhealthy ones, and never to draining ones', () => {
    const backend = (instanceId: string, state: string): Backend => ({
      instanceId,
      state,
      address: '127.0.1.1',
      port: 8000,
      healthPath: '/',
      kind: 'real',
    });
    const ids = (list: Backend[]) => list.map((b) => b.instanceId);
    assert.deepEqual(ids(routable([backend('a', 'healthy'), backend('b', 'unhealthy')])), ['a']);
    assert.deepEqual(ids(routable([backend('a', 'draining'), backend('b', 'unhealthy')])), ['b']);
    assert.deepEqual(ids(routable([backend('a', 'draining'), backend('b', 'initial')])), []);
    assert.deepEqual(
      listenerBackends(
        { modelsOf: () => undefined, isReal: () => true, versionOf: () => undefined, now: () => new Date() },
        'arn',
        ['tg'],
      ),
      [],
    );
  });
});

describe('instance metadata', () => {
  const identity = {
    instanceId: 'i-0123456789abcdef0',
    privateIpAddress: '127.0.1.7',
    availabilityZone: 'us-east-1b',
    region: 'us-east-1',
    accountId: '123456789012',
    imageId: 'ami-1',
    instanceType: 't3.micro',
    tags: new Map([
      ['Name', 'web'],
      ['aws:autoscaling:groupName', 'web-asg'],
    ]),
  };
  const now = new Date('2024-05-01T00:00:00Z');
  it('answers the paths SDKs and hooks ask for', () => {
    assert.equal(metadataAnswer(identity, 'meta-data/instance-id', now), 'i-0123456789abcdef0');
    assert.equal(metadataAnswer(identity, 'meta-data/local-ipv4', now), '127.0.1.7');
    assert.equal(metadataAnswer(identity, 'meta-data/placement/availability-zone', now), 'us-east-1b');
    assert.equal(metadataAnswer(identity, 'meta-data/tags/instance/Name', now), 'web');
    assert.equal(metadataAnswer(identity, 'meta-data/tags/instance', now), 'Name');
    assert.equal(metadataAnswer(identity, 'meta-data/nothing', now), undefined);
    for (const name of ['constructor', '__proto__', 'toString'])
      assert.equal(
        metadataAnswer(identity, name, now),
        undefined,
        `${name} is a 404, not Object.prototype's`,
      );
    const document = JSON.parse(
      metadataAnswer(identity, 'dynamic/instance-identity/document', now) ?? '',
    ) as {
      region: string;
    };
    assert.equal(document.region, 'us-east-1');
  });
});

describe('confinement', () => {
  const confinement: Confinement = {
    backend: 'bubblewrap',
    privileged: true,
    users: { kind: 'host' },
    bwrap: '/usr/bin/bwrap',
    nsenter: '/usr/bin/nsenter',
    setpriv: '/usr/bin/setpriv',
  };
  const unshare: Confinement = {
    ...confinement,
    backend: 'unshare',
    unshare: '/usr/bin/unshare',
    mount: '/usr/bin/mount',
    umount: '/usr/bin/umount',
    pivotRoot: '/usr/sbin/pivot_root',
  };
  it('binds the instance directories over a read-only host and drops mount capabilities as root', () => {
    const args = bwrapArgs(confinement, { root: '/tmp/i', hostname: 'ip-127-0-1-1', readOnlyBinds: [] }, [
      'true',
    ]);
    const joined = args.join(' ');
    assert.match(joined, /--ro-bind \/ \/ /);
    for (const dir of ['etc', 'var', 'opt', 'srv', 'home', 'root', 'run', 'tmp'])
      assert.match(joined, new RegExp(`--bind /tmp/i/${dir} /${dir} `));
    assert.match(joined, /--cap-drop ALL/);
    assert.doesNotMatch(joined, /CAP_SYS_ADMIN/);
    assert.doesNotMatch(joined, /--unshare-user/);
    assert.match(
      bwrapArgs(
        { ...confinement, privileged: false, users: { kind: 'single', uid: 1000, gid: 1000, advice: '' } },
        { root: '/r', hostname: 'h', readOnlyBinds: [] },
        ['true'],
      ).join(' '),
      /--unshare-user --uid 0 --gid 0/,
    );
  });
  it('with unshare, dies with its parent and maps a subordinate range only through newuidmap', () => {
    const layout = { root: '/tmp/i', hostname: 'ip-127-0-1-1', readOnlyBinds: [] };
    const asRoot = unshareCommand(unshare, layout, ['true']);
    assert.equal(asRoot.file, '/usr/bin/setpriv');
    assert.deepEqual(asRoot.args.slice(0, 4), ['--pdeathsig', 'SIGKILL', '--', '/usr/bin/unshare']);
    for (const flag of ['--mount', '--pid', '--ipc', '--uts', '--fork', '--kill-child=SIGKILL'])
      assert.ok(asRoot.args.includes(flag), flag);
    assert.ok(!asRoot.args.includes('--user') && !asRoot.args.includes('--map-root-user'));
    assert.deepEqual(asRoot.args.slice(-1), ['true']);
    const single = unshareCommand(
      { ...unshare, privileged: false, users: { kind: 'single', uid: 1000, gid: 1000, advice: '' } },
      layout,
      ['true'],
    );
    assert.ok(single.args.includes('--map-root-user'));
    const mapped = unshareCommand(
      {
        ...unshare,
        privileged: false,
        users: {
          kind: 'subordinate',
          uid: 1000,
          gid: 1000,
          uids: { start: 100000, count: 65536 },
          gids: { start: 200000, count: 65536 },
          newuidmap: '/usr/bin/newuidmap',
          newgidmap: '/usr/bin/newgidmap',
        },
      },
      layout,
      ['true'],
    );
    assert.ok(mapped.args.includes('0 1000 1 1 100000 65536'));
    assert.ok(mapped.args.includes('0 1000 1 1 200000 65536'));
    assert.ok(mapped.args.includes('--user') && !mapped.args.includes('--map-root-user'));
  });
  it('reads the first subordinate range of a user, by name or uid', () => {
    const text = 'alice:100000:65536\nbob:165536:65536\n1003:231072:10\n';
    assert.deepEqual(subordinateRange(text, 'bob', 1002), { start: 165536, count: 65536 });
    assert.deepEqual(subordinateRange(text, 'carol', 1003), { start: 231072, count: 10 });
    assert.equal(subordinateRange(text, 'dave', 1004), undefined);
  });
  it('joins an instance with the same reduced capabilities', () => {
    const args = nsenterArgs(confinement, 42, ['/bin/true']);
    assert.deepEqual(args.slice(0, 2), ['--target', '42']);
    assert.ok(args.includes('--no-new-privs'));
    assert.ok(args.some((a) => a.startsWith('--bounding-set=-all,') && !a.includes('sys_admin')));
    assert.deepEqual(args.slice(-1), ['/bin/true']);
  });
});

/** Two instances that ask for the real agent. */
const twoRealInstances: WorldInput = {
  launchTemplates: [{ name: 'web' }],
  targetGroups: [{ name: 'web-tg', port: 8000 }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      instances: 2,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      targetGroups: ['web-tg'],
      launchTemplate: 'web',
      agent: 'real',
    },
  ],
};

describe('a host that cannot confine processes', () => {
  it('says so and runs real fleets with the synthetic agent', () => {
    const warnings: string[] = [];
    const cloud = new Cloud({
      realInstances: {
        enabled: true,
        confinement: () => ({ ok: false, reason: 'no user namespaces here' }),
        warn: (m) => warnings.push(m),
      },
    });
    const models = applyWorld(cloud, parseWorld(twoRealInstances));
    const instances = models.ec2.all();
    assert.equal(instances.length, 2);
    assert.deepEqual(
      instances.map((i) => cloud.instances.get(i.instanceId)),
      [undefined, undefined],
    );
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] ?? '',
      /cannot be sandboxed on this host \(no user namespaces here\).*synthetic agent/,
    );
    assert.match(warnings[0] ?? '', /never run unconfined/);
    cloud.scheduler.cancelAll();
  });
});
