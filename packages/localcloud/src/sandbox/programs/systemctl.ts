// The local cloud's `systemctl` inside an instance: hands its arguments to the instance's supervisor
// (supervisor.ts) over a unix socket and prints what it answers. A simulation of systemd, not systemd.
// Runs inside instance sandboxes: imports node built-ins only.
import { connect } from 'node:net';

const SOCKET = process.env.LOCALCLOUD_SYSTEMD_SOCKET ?? '/run/localcloud/systemd.sock';

interface Reply {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const socket = connect(SOCKET);
let answer = '';
socket.setEncoding('utf8');
socket.on('connect', () => socket.write(`${JSON.stringify({ argv: process.argv.slice(2) })}\n`));
socket.on('data', (chunk: string) => {
  answer += chunk;
});
socket.on('error', () => {
  process.stderr.write(
    "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: the local cloud's service supervisor is not running\n",
  );
  process.exitCode = 1;
});
socket.on('end', () => {
  let reply: Reply;
  try {
    reply = JSON.parse(answer) as Reply;
  } catch {
    process.stderr.write('systemctl: the service supervisor gave no answer\n');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(reply.stdout);
  process.stderr.write(reply.stderr);
  process.exitCode = reply.exitCode;
});
