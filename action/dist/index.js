// action/src/main.ts
import { spawn } from "node:child_process";
import { existsSync as existsSync2, mkdtempSync, readFileSync as readFileSync2, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join as join2, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// node_modules/@actions/core/lib/command.js
import * as os from "os";

// node_modules/@actions/core/lib/utils.js
function toCommandValue(input) {
  if (input === null || input === void 0) {
    return "";
  } else if (typeof input === "string" || input instanceof String) {
    return input;
  }
  return JSON.stringify(input);
}
function toCommandProperties(annotationProperties) {
  if (!Object.keys(annotationProperties).length) {
    return {};
  }
  return {
    title: annotationProperties.title,
    file: annotationProperties.file,
    line: annotationProperties.startLine,
    endLine: annotationProperties.endLine,
    col: annotationProperties.startColumn,
    endColumn: annotationProperties.endColumn
  };
}

// node_modules/@actions/core/lib/command.js
function issueCommand(command, properties, message) {
  const cmd = new Command(command, properties, message);
  process.stdout.write(cmd.toString() + os.EOL);
}
var CMD_STRING = "::";
var Command = class {
  constructor(command, properties, message) {
    if (!command) {
      command = "missing.command";
    }
    this.command = command;
    this.properties = properties;
    this.message = message;
  }
  toString() {
    let cmdStr = CMD_STRING + this.command;
    if (this.properties && Object.keys(this.properties).length > 0) {
      cmdStr += " ";
      let first = true;
      for (const key in this.properties) {
        if (this.properties.hasOwnProperty(key)) {
          const val = this.properties[key];
          if (val) {
            if (first) {
              first = false;
            } else {
              cmdStr += ",";
            }
            cmdStr += `${key}=${escapeProperty(val)}`;
          }
        }
      }
    }
    cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
    return cmdStr;
  }
};
function escapeData(s) {
  return toCommandValue(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s) {
  return toCommandValue(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/:/g, "%3A").replace(/,/g, "%2C");
}

// node_modules/@actions/core/lib/file-command.js
import * as crypto from "crypto";
import * as fs from "fs";
import * as os2 from "os";
function issueFileCommand(command, message) {
  const filePath = process.env[`GITHUB_${command}`];
  if (!filePath) {
    throw new Error(`Unable to find environment variable for file command ${command}`);
  }
  if (!fs.existsSync(filePath)) {
    throw new Error(`Missing file at path: ${filePath}`);
  }
  fs.appendFileSync(filePath, `${toCommandValue(message)}${os2.EOL}`, {
    encoding: "utf8"
  });
}
function prepareKeyValueMessage(key, value) {
  const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
  const convertedValue = toCommandValue(value);
  if (key.includes(delimiter)) {
    throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  }
  if (convertedValue.includes(delimiter)) {
    throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  }
  return `${key}<<${delimiter}${os2.EOL}${convertedValue}${os2.EOL}${delimiter}`;
}

// node_modules/@actions/core/lib/core.js
import * as os4 from "os";

// node_modules/@actions/http-client/lib/index.js
var HttpCodes;
(function(HttpCodes2) {
  HttpCodes2[HttpCodes2["OK"] = 200] = "OK";
  HttpCodes2[HttpCodes2["MultipleChoices"] = 300] = "MultipleChoices";
  HttpCodes2[HttpCodes2["MovedPermanently"] = 301] = "MovedPermanently";
  HttpCodes2[HttpCodes2["ResourceMoved"] = 302] = "ResourceMoved";
  HttpCodes2[HttpCodes2["SeeOther"] = 303] = "SeeOther";
  HttpCodes2[HttpCodes2["NotModified"] = 304] = "NotModified";
  HttpCodes2[HttpCodes2["UseProxy"] = 305] = "UseProxy";
  HttpCodes2[HttpCodes2["SwitchProxy"] = 306] = "SwitchProxy";
  HttpCodes2[HttpCodes2["TemporaryRedirect"] = 307] = "TemporaryRedirect";
  HttpCodes2[HttpCodes2["PermanentRedirect"] = 308] = "PermanentRedirect";
  HttpCodes2[HttpCodes2["BadRequest"] = 400] = "BadRequest";
  HttpCodes2[HttpCodes2["Unauthorized"] = 401] = "Unauthorized";
  HttpCodes2[HttpCodes2["PaymentRequired"] = 402] = "PaymentRequired";
  HttpCodes2[HttpCodes2["Forbidden"] = 403] = "Forbidden";
  HttpCodes2[HttpCodes2["NotFound"] = 404] = "NotFound";
  HttpCodes2[HttpCodes2["MethodNotAllowed"] = 405] = "MethodNotAllowed";
  HttpCodes2[HttpCodes2["NotAcceptable"] = 406] = "NotAcceptable";
  HttpCodes2[HttpCodes2["ProxyAuthenticationRequired"] = 407] = "ProxyAuthenticationRequired";
  HttpCodes2[HttpCodes2["RequestTimeout"] = 408] = "RequestTimeout";
  HttpCodes2[HttpCodes2["Conflict"] = 409] = "Conflict";
  HttpCodes2[HttpCodes2["Gone"] = 410] = "Gone";
  HttpCodes2[HttpCodes2["TooManyRequests"] = 429] = "TooManyRequests";
  HttpCodes2[HttpCodes2["InternalServerError"] = 500] = "InternalServerError";
  HttpCodes2[HttpCodes2["NotImplemented"] = 501] = "NotImplemented";
  HttpCodes2[HttpCodes2["BadGateway"] = 502] = "BadGateway";
  HttpCodes2[HttpCodes2["ServiceUnavailable"] = 503] = "ServiceUnavailable";
  HttpCodes2[HttpCodes2["GatewayTimeout"] = 504] = "GatewayTimeout";
})(HttpCodes || (HttpCodes = {}));
var Headers;
(function(Headers2) {
  Headers2["Accept"] = "accept";
  Headers2["ContentType"] = "content-type";
})(Headers || (Headers = {}));
var MediaTypes;
(function(MediaTypes2) {
  MediaTypes2["ApplicationJson"] = "application/json";
})(MediaTypes || (MediaTypes = {}));
var HttpRedirectCodes = [
  HttpCodes.MovedPermanently,
  HttpCodes.ResourceMoved,
  HttpCodes.SeeOther,
  HttpCodes.TemporaryRedirect,
  HttpCodes.PermanentRedirect
];
var HttpResponseRetryCodes = [
  HttpCodes.BadGateway,
  HttpCodes.ServiceUnavailable,
  HttpCodes.GatewayTimeout
];

// node_modules/@actions/core/lib/summary.js
import { EOL as EOL3 } from "os";
import { constants, promises } from "fs";
var __awaiter = function(thisArg, _arguments, P, generator) {
  function adopt(value) {
    return value instanceof P ? value : new P(function(resolve2) {
      resolve2(value);
    });
  }
  return new (P || (P = Promise))(function(resolve2, reject) {
    function fulfilled(value) {
      try {
        step(generator.next(value));
      } catch (e) {
        reject(e);
      }
    }
    function rejected(value) {
      try {
        step(generator["throw"](value));
      } catch (e) {
        reject(e);
      }
    }
    function step(result) {
      result.done ? resolve2(result.value) : adopt(result.value).then(fulfilled, rejected);
    }
    step((generator = generator.apply(thisArg, _arguments || [])).next());
  });
};
var { access, appendFile, writeFile } = promises;
var SUMMARY_ENV_VAR = "GITHUB_STEP_SUMMARY";
var Summary = class {
  constructor() {
    this._buffer = "";
  }
  /**
   * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
   * Also checks r/w permissions.
   *
   * @returns step summary file path
   */
  filePath() {
    return __awaiter(this, void 0, void 0, function* () {
      if (this._filePath) {
        return this._filePath;
      }
      const pathFromEnv = process.env[SUMMARY_ENV_VAR];
      if (!pathFromEnv) {
        throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
      }
      try {
        yield access(pathFromEnv, constants.R_OK | constants.W_OK);
      } catch (_a) {
        throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
      }
      this._filePath = pathFromEnv;
      return this._filePath;
    });
  }
  /**
   * Wraps content in an HTML tag, adding any HTML attributes
   *
   * @param {string} tag HTML tag to wrap
   * @param {string | null} content content within the tag
   * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
   *
   * @returns {string} content wrapped in HTML element
   */
  wrap(tag, content, attrs = {}) {
    const htmlAttrs = Object.entries(attrs).map(([key, value]) => ` ${key}="${value}"`).join("");
    if (!content) {
      return `<${tag}${htmlAttrs}>`;
    }
    return `<${tag}${htmlAttrs}>${content}</${tag}>`;
  }
  /**
   * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
   *
   * @param {SummaryWriteOptions} [options] (optional) options for write operation
   *
   * @returns {Promise<Summary>} summary instance
   */
  write(options) {
    return __awaiter(this, void 0, void 0, function* () {
      const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
      const filePath = yield this.filePath();
      const writeFunc = overwrite ? writeFile : appendFile;
      yield writeFunc(filePath, this._buffer, { encoding: "utf8" });
      return this.emptyBuffer();
    });
  }
  /**
   * Clears the summary buffer and wipes the summary file
   *
   * @returns {Summary} summary instance
   */
  clear() {
    return __awaiter(this, void 0, void 0, function* () {
      return this.emptyBuffer().write({ overwrite: true });
    });
  }
  /**
   * Returns the current summary buffer as a string
   *
   * @returns {string} string of summary buffer
   */
  stringify() {
    return this._buffer;
  }
  /**
   * If the summary buffer is empty
   *
   * @returns {boolen} true if the buffer is empty
   */
  isEmptyBuffer() {
    return this._buffer.length === 0;
  }
  /**
   * Resets the summary buffer without writing to summary file
   *
   * @returns {Summary} summary instance
   */
  emptyBuffer() {
    this._buffer = "";
    return this;
  }
  /**
   * Adds raw text to the summary buffer
   *
   * @param {string} text content to add
   * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
   *
   * @returns {Summary} summary instance
   */
  addRaw(text, addEOL = false) {
    this._buffer += text;
    return addEOL ? this.addEOL() : this;
  }
  /**
   * Adds the operating system-specific end-of-line marker to the buffer
   *
   * @returns {Summary} summary instance
   */
  addEOL() {
    return this.addRaw(EOL3);
  }
  /**
   * Adds an HTML codeblock to the summary buffer
   *
   * @param {string} code content to render within fenced code block
   * @param {string} lang (optional) language to syntax highlight code
   *
   * @returns {Summary} summary instance
   */
  addCodeBlock(code, lang) {
    const attrs = Object.assign({}, lang && { lang });
    const element = this.wrap("pre", this.wrap("code", code), attrs);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML list to the summary buffer
   *
   * @param {string[]} items list of items to render
   * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
   *
   * @returns {Summary} summary instance
   */
  addList(items, ordered = false) {
    const tag = ordered ? "ol" : "ul";
    const listItems = items.map((item) => this.wrap("li", item)).join("");
    const element = this.wrap(tag, listItems);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML table to the summary buffer
   *
   * @param {SummaryTableCell[]} rows table rows
   *
   * @returns {Summary} summary instance
   */
  addTable(rows) {
    const tableBody = rows.map((row) => {
      const cells = row.map((cell2) => {
        if (typeof cell2 === "string") {
          return this.wrap("td", cell2);
        }
        const { header, data, colspan, rowspan } = cell2;
        const tag = header ? "th" : "td";
        const attrs = Object.assign(Object.assign({}, colspan && { colspan }), rowspan && { rowspan });
        return this.wrap(tag, data, attrs);
      }).join("");
      return this.wrap("tr", cells);
    }).join("");
    const element = this.wrap("table", tableBody);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds a collapsable HTML details element to the summary buffer
   *
   * @param {string} label text for the closed state
   * @param {string} content collapsable content
   *
   * @returns {Summary} summary instance
   */
  addDetails(label, content) {
    const element = this.wrap("details", this.wrap("summary", label) + content);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML image tag to the summary buffer
   *
   * @param {string} src path to the image you to embed
   * @param {string} alt text description of the image
   * @param {SummaryImageOptions} options (optional) addition image attributes
   *
   * @returns {Summary} summary instance
   */
  addImage(src, alt, options) {
    const { width, height } = options || {};
    const attrs = Object.assign(Object.assign({}, width && { width }), height && { height });
    const element = this.wrap("img", null, Object.assign({ src, alt }, attrs));
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML section heading element
   *
   * @param {string} text heading text
   * @param {number | string} [level=1] (optional) the heading level, default: 1
   *
   * @returns {Summary} summary instance
   */
  addHeading(text, level) {
    const tag = `h${level}`;
    const allowedTag = ["h1", "h2", "h3", "h4", "h5", "h6"].includes(tag) ? tag : "h1";
    const element = this.wrap(allowedTag, text);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML thematic break (<hr>) to the summary buffer
   *
   * @returns {Summary} summary instance
   */
  addSeparator() {
    const element = this.wrap("hr", null);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML line break (<br>) to the summary buffer
   *
   * @returns {Summary} summary instance
   */
  addBreak() {
    const element = this.wrap("br", null);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML blockquote to the summary buffer
   *
   * @param {string} text quote text
   * @param {string} cite (optional) citation url
   *
   * @returns {Summary} summary instance
   */
  addQuote(text, cite) {
    const attrs = Object.assign({}, cite && { cite });
    const element = this.wrap("blockquote", text, attrs);
    return this.addRaw(element).addEOL();
  }
  /**
   * Adds an HTML anchor tag to the summary buffer
   *
   * @param {string} text link text/content
   * @param {string} href hyperlink
   *
   * @returns {Summary} summary instance
   */
  addLink(text, href) {
    const element = this.wrap("a", text, { href });
    return this.addRaw(element).addEOL();
  }
};
var _summary = new Summary();
var summary = _summary;

// node_modules/@actions/core/lib/platform.js
import os3 from "os";

// node_modules/@actions/io/lib/io-util.js
import * as fs2 from "fs";
var { chmod, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, symlink, unlink } = fs2.promises;
var IS_WINDOWS = process.platform === "win32";
var READONLY = fs2.constants.O_RDONLY;

// node_modules/@actions/exec/lib/toolrunner.js
var IS_WINDOWS2 = process.platform === "win32";

// node_modules/@actions/core/lib/platform.js
var platform = os3.platform();
var arch = os3.arch();

// node_modules/@actions/core/lib/core.js
var ExitCode;
(function(ExitCode2) {
  ExitCode2[ExitCode2["Success"] = 0] = "Success";
  ExitCode2[ExitCode2["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
function getInput(name, options) {
  const val = process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] || "";
  if (options && options.required && !val) {
    throw new Error(`Input required and not supplied: ${name}`);
  }
  if (options && options.trimWhitespace === false) {
    return val;
  }
  return val.trim();
}
function setOutput(name, value) {
  const filePath = process.env["GITHUB_OUTPUT"] || "";
  if (filePath) {
    return issueFileCommand("OUTPUT", prepareKeyValueMessage(name, value));
  }
  process.stdout.write(os4.EOL);
  issueCommand("set-output", { name }, toCommandValue(value));
}
function setFailed(message) {
  process.exitCode = ExitCode.Failure;
  error(message);
}
function error(message, properties = {}) {
  issueCommand("error", toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
function info(message) {
  process.stdout.write(message + os4.EOL);
}

// action/src/cli.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";

// action/src/invocation.ts
var COMMANDS = {
  deploy: ["deploy"],
  wait: ["wait"],
  verify: ["verify"],
  gate: ["gate"],
  rollback: ["rollback"],
  preflight: ["preflight"],
  status: ["status"],
  "group-plan": ["group", "plan"],
  "group-apply": ["group", "apply"]
};
var ActionInputError = class extends Error {
};
var RENDERS_RESULT = /* @__PURE__ */ new Set(["deploy", "wait"]);
var WRITES_REPORTS = /* @__PURE__ */ new Set(["verify", "gate", "rollback"]);
function invocation(inputs, markdownFile) {
  const command = inputs.command.trim();
  if (!Object.hasOwn(COMMANDS, command)) {
    throw new ActionInputError(`command: "${command}" is not one of ${Object.keys(COMMANDS).join(", ")}`);
  }
  const name = command;
  const argv = [...COMMANDS[name], "--json"];
  const refuse = (input, what) => {
    throw new ActionInputError(`${input}: does not apply to ${name}; ${what}`);
  };
  if (inputs.config) argv.push("--config", inputs.config);
  if (inputs.env) argv.push("--env", inputs.env);
  if (inputs.revision) {
    if (name === "deploy" || name === "preflight" || name === "gate")
      argv.push("--revision", inputs.revision);
    else if (name === "rollback")
      refuse("revision", "rollback returns to the last verified revision (name another with args: --to SHA)");
    else refuse("revision", "it applies to deploy, preflight and gate");
  }
  if (inputs.deploymentId) {
    if (name === "wait" || name === "verify") argv.push(inputs.deploymentId);
    else if (name === "rollback") argv.push("--if-release", inputs.deploymentId);
    else refuse("deployment-id", "it applies to wait, verify and rollback");
  } else if (name === "wait") {
    throw new ActionInputError("deployment-id: wait follows a deployment; give its id");
  }
  if (inputs.bake) {
    if (name !== "gate") refuse("bake", "it applies to gate");
    argv.push("--bake", inputs.bake);
  }
  let junitFromResult;
  if (inputs.junit) {
    if (WRITES_REPORTS.has(name)) argv.push("--junit", inputs.junit);
    else if (RENDERS_RESULT.has(name)) junitFromResult = inputs.junit;
    else refuse("junit", "it applies to deploy, wait, verify, gate and rollback");
  }
  if (WRITES_REPORTS.has(name)) argv.push("--markdown", markdownFile);
  argv.push(...splitArgs(inputs.args));
  return {
    command: name,
    argv,
    ...WRITES_REPORTS.has(name) ? { markdownFile } : {},
    ...junitFromResult !== void 0 ? { junitFromResult } : {}
  };
}
function splitArgs(text, input = "args") {
  const words = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ActionInputError(`${input}: a ' at character ${i + 1} is not closed`);
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) j++;
        word += text[j];
      }
      if (j >= text.length) throw new ActionInputError(`${input}: a " at character ${i + 1} is not closed`);
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new ActionInputError(`${input}: ends with a lone \\`);
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}

// action/src/cli.ts
var INSTALLED_BIN = join("node_modules", ".bin", "greenlight");
function chooseCli(input, workingDirectory, action, exists2) {
  if (input.trim() !== "") {
    const [program, ...args] = splitArgs(input, "cli");
    if (!program) throw new ActionInputError("cli: names no program to run");
    return { program, args, source: "input" };
  }
  const installed = join(workingDirectory, INSTALLED_BIN);
  if (exists2(installed)) return { program: installed, args: [], source: "installed" };
  return { program: "npx", args: ["--yes", `${action.name}@${action.version}`], source: "published" };
}
function readActionPackage(path) {
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error2) {
    throw new Error(`cannot read the action's package.json (${path}): ${error2.message}`, {
      cause: error2
    });
  }
  const { name, version } = parsed ?? {};
  if (typeof name !== "string" || name === "" || typeof version !== "string" || version === "") {
    throw new Error(`the action's package.json (${path}) has no name and version`);
  }
  return { name, version };
}
function describeCli(cli) {
  const words = [cli.program, ...cli.args].map(
    (word) => /[\s'"\\]/.test(word) ? JSON.stringify(word) : word
  );
  const from = {
    input: "the cli input",
    installed: "the project's own",
    published: "the published package, at the action's version"
  }[cli.source];
  return `${words.join(" ")} (${from})`;
}

// action/src/outcome.ts
var BY_EXIT_CODE = {
  1: "failed",
  2: "usage-error",
  3: "aws-error",
  4: "timed-out",
  5: "rolled-back",
  130: "cancelled",
  143: "cancelled"
};
function outcome(command, exitCode, document) {
  const result = record(document?.result);
  const deploymentId = typeof result.deploymentId === "string" ? result.deploymentId : void 0;
  let verdict;
  if (exitCode !== 0) verdict = BY_EXIT_CODE[exitCode] ?? "failed";
  else if (result.verified === true) verdict = "verified";
  else if (command === "deploy" || command === "wait") verdict = "unverified";
  else verdict = "passed";
  return { verdict, exitCode, ...deploymentId !== void 0 ? { deploymentId } : {} };
}
function readDocument(stdout) {
  const start = stdout.lastIndexOf("\n{\n");
  const text = start >= 0 ? stdout.slice(start + 1) : stdout.trimStart().startsWith("{") ? stdout : "";
  try {
    const parsed = JSON.parse(text);
    const doc = record(parsed);
    return typeof doc.exitCode === "number" ? doc : void 0;
  } catch {
    return void 0;
  }
}
function record(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}

// src/log/junit.ts
function junitXml(suite) {
  const failures = suite.cases.filter((c) => c.failure).length;
  const skipped = suite.cases.filter((c) => c.skipped && !c.failure).length;
  const attributes = [
    `name="${xmlAttribute(suite.name)}"`,
    `tests="${suite.cases.length}"`,
    `failures="${failures}"`,
    'errors="0"',
    `skipped="${skipped}"`,
    ...suite.timeMs === void 0 ? [] : [`time="${seconds(suite.timeMs)}"`],
    `timestamp="${xmlAttribute(suite.timestamp)}"`
  ].join(" ");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes}>`,
    "    <properties>",
    ...suite.properties.map(
      ([name, value]) => `      <property name="${xmlAttribute(name)}" value="${xmlAttribute(String(value))}"/>`
    ),
    "    </properties>",
    ...suite.cases.map((c) => `    ${testCase(c)}`),
    "  </testsuite>",
    "</testsuites>",
    ""
  ].join("\n");
}
function testCase(c) {
  const time = c.timeMs === void 0 ? "0" : seconds(c.timeMs);
  const head = `<testcase classname="${xmlAttribute(c.classname)}" name="${xmlAttribute(c.name)}" time="${time}"`;
  const verdict = c.failure ? `<failure message="${xmlAttribute(c.failure.message)}" type="${xmlAttribute(c.failure.type)}">${xmlText(c.failure.body)}</failure>` : c.skipped ? `<skipped message="${xmlAttribute(c.skipped.message)}"/>` : "";
  const output = c.output === void 0 ? "" : `<system-out>${xmlText(c.output)}</system-out>`;
  return verdict === "" && output === "" ? `${head}/>` : `${head}>${verdict}${output}</testcase>`;
}
var seconds = (ms) => (ms / 1e3).toFixed(3);
var NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
function xmlText(value) {
  return value.replace(NOT_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
function xmlAttribute(value) {
  return xmlText(value).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

// src/verify/report-junit.ts
function verdictJunit(verdict) {
  return junitXml({
    name: `greenlight verify ${verdict.deploymentId}`,
    timestamp: verdict.gatheredAt,
    properties: [
      ["revision", verdict.revision],
      ["codedeployStatus", verdict.codedeployStatus],
      ["headline", verdict.headline]
    ],
    cases: verdict.rules.flatMap((rule) => testCases(rule, verdict))
  });
}
function testCases(rule, verdict) {
  const classname = `greenlight.verify.${rule.rule}`;
  if (rule.verdict === "skip") return [{ classname, name: rule.rule, skipped: { message: rule.summary } }];
  const rows = new Map(verdict.instances.map((i) => [i.instanceId, i]));
  return rule.evidence.map((e) => {
    const name = e.instanceId ? `${rule.rule} ${e.instanceId}` : rule.rule;
    if (e.verdict === "pass") return { classname, name };
    const tail = e.logTail ?? (e.instanceId ? rows.get(e.instanceId)?.logTail : void 0);
    const body = [
      e.detail,
      e.lifecycleEvent ? `lifecycle event: ${e.lifecycleEvent}` : "",
      e.scriptName ? `script: ${e.scriptName}` : "",
      e.errorCode ? `error code: ${e.errorCode}` : "",
      tail ? `log tail:
${tail}` : ""
    ].filter(Boolean).join("\n");
    return { classname, name, failure: { message: e.detail, type: e.errorCode ?? rule.rule, body } };
  });
}

// src/verify/report-markdown.ts
function verdictMarkdown(verdict) {
  const lines = [];
  const mark = verdict.verified ? "\u2705" : "\u274C";
  lines.push(`## ${mark} greenlight verify ${verdict.deploymentId}`, "");
  lines.push(`**${cell(verdict.headline)}**`, "");
  lines.push(
    `Revision \`${verdict.revision}\` \xB7 ${verdict.application}/${verdict.deploymentGroup} \xB7 ${verdict.phase} \xB7 gathered ${verdict.gatheredAt}`,
    ""
  );
  lines.push("| rule | verdict | summary |", "|---|---|---|");
  for (const r of verdict.rules) lines.push(`| ${r.rule} | ${r.verdict} | ${cell(r.summary)} |`);
  const failed = verdict.instances.filter((i) => i.verdict === "fail");
  if (failed.length > 0) {
    lines.push("", `### Failed instances (${failed.length} of ${verdict.fleetSize})`, "");
    lines.push("| instance | role | AZ | failed event | script | error | health | version | problems |");
    lines.push("|---|---|---|---|---|---|---|---|---|");
    for (const i of failed) {
      lines.push(
        `| ${[
          i.instanceId,
          i.role,
          i.availabilityZone ?? "",
          i.failedEvent ?? "",
          i.scriptName ?? "",
          i.errorCode ?? "",
          i.health ?? "",
          i.version ?? "",
          i.problems.map((p) => `${p.rule}: ${p.detail}`).join("<br>")
        ].map(cell).join(" | ")} |`
      );
    }
    for (const i of failed.filter((x) => x.logTail)) {
      lines.push(
        "",
        `<details><summary>log tail of ${i.instanceId}</summary>`,
        "",
        "```",
        (i.logTail ?? "").trimEnd().replace(/```/g, "'''"),
        "```",
        "</details>"
      );
    }
  }
  const passing = verdict.instances.filter((i) => i.verdict === "pass").length;
  lines.push("", `${passing} instance${passing === 1 ? "" : "s"} verified.`, "");
  return lines.join("\n");
}
function cell(value) {
  return value.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

// action/src/summary.ts
function summaryMarkdown(invocation2, outcome2, document, written) {
  const env = argAfter(invocation2.argv, "--env");
  const title = `### greenlight ${invocation2.command}${env ? ` (${env})` : ""}: ${outcome2.verdict}, exit ${outcome2.exitCode}`;
  const parts = [title, ""];
  if (outcome2.deploymentId) parts.push(`Deployment \`${outcome2.deploymentId}\``, "");
  if (written !== void 0 && written.trim() !== "") {
    parts.push(written.trim(), "");
  } else {
    for (const [heading, verdict] of verifications(document)) {
      if (heading) parts.push(`#### ${heading}`, "");
      parts.push(verdictMarkdown(verdict).trim(), "");
    }
  }
  if (document?.error) parts.push(`**Error:** ${document.error.message.split("\n")[0] ?? ""}`, "");
  if (document === void 0) parts.push("greenlight printed no result (see the step\u2019s log).", "");
  return `${parts.join("\n").trimEnd()}
`;
}
function resultJunit(document) {
  const [first] = verifications(document);
  return first ? verdictJunit(first[1]) : void 0;
}
function verifications(document) {
  const result = record(document?.result);
  const found = [];
  if (isVerdict(result.verification)) found.push([void 0, result.verification]);
  const rollback = record(result.rollback);
  if (isVerdict(rollback.verification)) found.push(["The rollback", rollback.verification]);
  return found;
}
function isVerdict(value) {
  const v = record(value);
  return typeof v.verified === "boolean" && Array.isArray(v.rules) && Array.isArray(v.instances);
}
function argAfter(argv, flag) {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : void 0;
}

// action/src/main.ts
var ACTION_PACKAGE = fileURLToPath(new URL("../../package.json", import.meta.url));
async function main() {
  const scratch = mkdtempSync(join2(process.env.RUNNER_TEMP || tmpdir(), "greenlight-action-"));
  const cwd = resolve(getInput("working-directory") || ".");
  const action = readActionPackage(ACTION_PACKAGE);
  let run;
  let cli;
  try {
    run = invocation(
      {
        command: getInput("command", { required: true }),
        env: getInput("env"),
        revision: getInput("revision"),
        deploymentId: getInput("deployment-id"),
        bake: getInput("bake"),
        config: getInput("config"),
        junit: getInput("junit"),
        args: getInput("args")
      },
      join2(scratch, "report.md")
    );
    cli = chooseCli(getInput("cli"), cwd, action, existsSync2);
  } catch (error2) {
    if (!(error2 instanceof Error)) throw error2;
    setOutput("exit-code", "2");
    setOutput("verdict", "usage-error");
    setFailed(error2.message);
    return;
  }
  info(`greenlight ${run.argv.join(" ")}   (in ${cwd})`);
  info(`greenlight is ${describeCli(cli)}`);
  const { exitCode, stdout } = await runGreenlight(cli, run.argv, cwd);
  const document = readDocument(stdout);
  const resultFile = join2(scratch, "result.json");
  writeFileSync(resultFile, stdout);
  const result = outcome(run.command, exitCode, document);
  setOutput("exit-code", String(exitCode));
  setOutput("verdict", result.verdict);
  setOutput("deployment-id", result.deploymentId ?? "");
  setOutput("result-file", resultFile);
  if (run.junitFromResult !== void 0) {
    const junit = resultJunit(document);
    if (junit !== void 0) {
      const path = resolve(cwd, run.junitFromResult);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, junit);
    }
  }
  if (process.env.GITHUB_STEP_SUMMARY) {
    const written = run.markdownFile !== void 0 ? readIfThere(run.markdownFile) : void 0;
    await summary.addRaw(summaryMarkdown(run, result, document, written)).write();
  }
  if (exitCode !== 0 && document === void 0) {
    setFailed(`${describeCli(cli)} exited ${exitCode} without greenlight's result: see the log above`);
  } else if (exitCode !== 0) {
    setFailed(`greenlight ${run.command} exited ${exitCode}: ${result.verdict}`);
  }
}
function runGreenlight(cli, argv, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cli.program, [...cli.args, ...argv], {
      cwd,
      env: { ...process.env, CI: process.env.CI || "true" },
      stdio: ["ignore", "pipe", "inherit"]
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => stdout += chunk);
    const forward = (signal) => () => child.kill(signal);
    process.on("SIGINT", forward("SIGINT"));
    process.on("SIGTERM", forward("SIGTERM"));
    child.on(
      "error",
      (error2) => reject(new Error(`cannot run greenlight (${describeCli(cli)}): ${error2.message}`))
    );
    child.on(
      "close",
      (code, signal) => resolvePromise({ exitCode: code ?? (signal === "SIGINT" ? 130 : 143), stdout })
    );
  });
}
function readIfThere(path) {
  try {
    return readFileSync2(path, "utf8");
  } catch {
    return void 0;
  }
}
main().catch((error2) => {
  setFailed(`greenlight action: ${error2 instanceof Error ? error2.message : String(error2)}`);
});
