// A small web app bundle whose hooks append a proof line (event, user, agent variables) to
// /var/tmp/proof on the instance, and whose app runs under the local cloud's systemctl.
import type { BundleFiles } from './real-cloud.js';

export const PROOF = '/var/tmp/proof';

/** One proof line: `event user deployment-id app group group-id key commit tag`. */
export function proofLine(tag: string): string {
  return `echo "$LIFECYCLE_EVENT $(id -un) $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME $DEPLOYMENT_GROUP_ID \${BUNDLE_KEY:--} \${BUNDLE_COMMIT:--} ${tag}" >> ${PROOF}`;
}

const server = `import { createServer } from 'node:http';
const version = process.env.VERSION ?? 'unknown';
createServer((request, response) => {
  const body = request.url === '/healthcheck'
    ? JSON.stringify({ status: 'pass', version, datetime: new Date().toISOString() })
    : 'hello from ' + version + '\\n';
  response.writeHead(200, { 'content-type': request.url === '/healthcheck' ? 'application/json' : 'text/plain' });
  response.end(body);
}).listen(8000, process.env.BIND, () => console.log('listening on ' + process.env.BIND + ':8000'));
`;

function hook(body: string): string {
  return `#!/bin/bash\nset -euo pipefail\n${body}\n`;
}

/** The bundle of version `tag`; `broken` hooks exit with the given code instead. */
export function webBundle(tag: string, options: { brokenStop?: number } = {}): BundleFiles {
  const meta = 'curl -sf "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data';
  return {
    'appspec.yml': `version: 0.0
os: linux
files:
  - source: app
    destination: /opt/web
permissions:
  - object: /opt/web
    owner: web
    group: web
hooks:
  ApplicationStop:
    - location: hooks/stop.sh
      timeout: 20
  BeforeInstall:
    - location: hooks/before-install.sh
      timeout: 20
  AfterInstall:
    - location: hooks/after-install.sh
      timeout: 20
      runas: web
  ApplicationStart:
    - location: hooks/start.sh
      timeout: 20
  ValidateService:
    - location: hooks/validate.sh
      timeout: 20
      runas: web
  BeforeAllowTraffic:
    - location: hooks/log.sh
  AfterAllowTraffic:
    - location: hooks/log.sh
  BeforeBlockTraffic:
    - location: hooks/log.sh
  AfterBlockTraffic:
    - location: hooks/log.sh
`,
    'app/server.mjs': server,
    'hooks/log.sh': hook(proofLine(tag)),
    'hooks/stop.sh': hook(
      options.brokenStop !== undefined
        ? `${proofLine(tag)}\necho "stop is broken in ${tag}" >&2\nexit ${options.brokenStop}`
        : `${proofLine(tag)}\nsystemctl stop web || true`,
    ),
    'hooks/before-install.sh': hook(
      `id web >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/bash web\ntouch ${PROOF}\nchmod 666 ${PROOF}\n${proofLine(tag)}`,
    ),
    'hooks/after-install.sh': hook(`${proofLine(tag)}\ntest -f /opt/web/server.mjs`),
    'hooks/start.sh': hook(`${proofLine(tag)}
BIND=$(${meta}/local-ipv4")
printf 'BIND=%s\\n' "$BIND" > /etc/web.env
cat > /etc/systemd/system/web.service <<UNIT
[Unit]
Description=The web app ${tag}
[Service]
User=web
Environment=VERSION=${tag}
EnvironmentFile=/etc/web.env
WorkingDirectory=/opt/web
ExecStart=/usr/bin/env node /opt/web/server.mjs
Restart=on-failure
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable web
systemctl restart web
echo "started web ${tag} on $BIND"`),
    'hooks/validate.sh': hook(`${proofLine(tag)}
BIND=$(${meta}/local-ipv4")
for attempt in $(seq 1 50); do
  if curl -sf "http://$BIND:8000/healthcheck" | grep -q '"version":"${tag}"'; then echo "serving ${tag}"; exit 0; fi
  sleep 0.1
done
echo "web never answered with ${tag}" >&2
exit 1`),
  };
}
