// lambdeck's Node.js runtime for the local stack: speaks the Lambda Runtime API the way AWS's Node.js
// runtime interface client does (handler resolution, async and callback handlers, context, console
// lines), with no dependency beyond Node itself. Run as `node bootstrap.js`; the function's code is in
// LAMBDA_TASK_ROOT.
'use strict';

const http = require('http');
const path = require('path');
const fs = require('fs');
const util = require('util');
const { pathToFileURL } = require('url');

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const HANDLER = process.env._HANDLER || '';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, urlPath, body, headers) {
  const [host, port] = API.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path: urlPath, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorDocument(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: String(err.stack || '').split('\n'),
    };
  }
  let message;
  try { message = typeof err === 'string' ? err : JSON.stringify(err); } catch (e) { message = String(err); }
  return { errorType: typeof err === 'string' ? 'string' : typeof err, errorMessage: message, trace: [] };
}

class RuntimeError extends Error {
  constructor(name, message) { super(message); this.name = name; }
}

// Console lines as the managed runtime writes them: `time\trequestId\tLEVEL\tmessage`, one log event
// each (newlines inside a message become carriage returns).
let currentRequestId;
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [fn, level] of Object.entries(levels)) {
    console[fn] = (...args) => {
      const line = `${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${util.format(...args)}`;
      process.stdout.write(line.replace(/\n/g, '\r') + '\n');
    };
  }
}

async function loadModule(file) {
  const isModulePackage = () => {
    let dir = path.dirname(file);
    for (;;) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg)) {
        try { return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module'; } catch (e) { return false; }
      }
      const up = path.dirname(dir);
      if (up === dir || !dir.startsWith(ROOT)) return false;
      dir = up;
    }
  };
  if (file.endsWith('.mjs') || (file.endsWith('.js') && isModulePackage())) {
    return import(pathToFileURL(file).href);
  }
  try {
    return require(file);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
    throw e;
  }
}

// `dir/module.handler` or `module.nested.handler`, as AWS resolves it.
async function resolveHandler() {
  const slash = HANDLER.lastIndexOf('/');
  const dir = slash >= 0 ? HANDLER.slice(0, slash) : '.';
  const rest = slash >= 0 ? HANDLER.slice(slash + 1) : HANDLER;
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${HANDLER}`);
  }
  const moduleName = rest.slice(0, dot);
  const handlerPath = rest.slice(dot + 1).split('.');
  const base = path.resolve(ROOT, dir, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${__filename}`);
  }
  let mod;
  try {
    mod = await loadModule(file);
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    throw new RuntimeError('Runtime.ImportModuleError', `${e && e.name}: ${e && e.message}`);
  }
  let fn = mod;
  for (const key of handlerPath) fn = fn == null ? undefined : fn[key];
  if (typeof fn !== 'function' && mod && mod.default) {
    fn = mod.default;
    for (const key of handlerPath) fn = fn == null ? undefined : fn[key];
  }
  if (typeof fn !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${moduleName}.${handlerPath.join('.')} is undefined or not exported`);
  }
  return fn;
}

function contextFor(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  if (headers['lambda-runtime-client-context']) {
    try { context.clientContext = JSON.parse(headers['lambda-runtime-client-context']); } catch (e) { /* absent */ }
  }
  if (headers['lambda-runtime-cognito-identity']) {
    try { context.identity = JSON.parse(headers['lambda-runtime-cognito-identity']); } catch (e) { /* absent */ }
  }
  return context;
}

// Runs one invocation: a promise-returning (async) handler, or a callback handler; whichever settles
// first wins, as in the managed runtime.
function runHandler(handler, event, context) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      resolve({ err, result });
    };
    context.done = finish;
    context.succeed = (result) => finish(null, result);
    context.fail = (err) => finish(err == null ? new Error('handled') : err);
    try {
      const out = handler(event, context, (err, result) => finish(err, result));
      if (out && typeof out.then === 'function') {
        out.then((result) => finish(null, result), (err) => finish(err == null ? new Error('undefined') : err));
      } else if (handler.length < 3) {
        // A synchronous handler's return value is ignored by the managed runtime, which answers null
        // once the handler returns (it never calls the callback it did not declare).
        setImmediate(() => finish(null, null));
      }
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await resolveHandler();
  } catch (e) {
    const doc = errorDocument(e);
    console.error(`${doc.errorType}: ${doc.errorMessage}`);
    await call('POST', '/2018-06-01/runtime/init/error', JSON.stringify(doc), {
      'content-type': 'application/json',
      'lambda-runtime-function-error-type': doc.errorType,
    });
    process.exit(1);
  }
  for (;;) {
    let next;
    try {
      next = await call('GET', '/2018-06-01/runtime/invocation/next');
    } catch (e) {
      continue; // the long poll was cut; ask again
    }
    if (next.status !== 200) continue;
    const id = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] || '';
    let event;
    try {
      event = JSON.parse(next.body.toString('utf8') || 'null');
    } catch (e) {
      event = next.body.toString('utf8');
    }
    const { err, result } = await runHandler(handler, event, contextFor(next.headers));
    if (err !== null && err !== undefined) {
      const doc = errorDocument(err);
      console.error('Invoke Error ', JSON.stringify(doc));
      await call('POST', `/2018-06-01/runtime/invocation/${id}/error`, JSON.stringify(doc), {
        'content-type': 'application/json',
        'lambda-runtime-function-error-type': doc.errorType,
      });
      continue;
    }
    let body;
    try {
      body = result === undefined ? 'null' : JSON.stringify(result);
    } catch (e) {
      const doc = { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] };
      await call('POST', `/2018-06-01/runtime/invocation/${id}/error`, JSON.stringify(doc), {
        'content-type': 'application/json',
        'lambda-runtime-function-error-type': doc.errorType,
      });
      continue;
    }
    await call('POST', `/2018-06-01/runtime/invocation/${id}/response`, body, { 'content-type': 'application/json' });
  }
}

main().catch((e) => {
  process.stderr.write(`lambdeck runtime: ${e && e.stack}\n`);
  process.exit(1);
});
