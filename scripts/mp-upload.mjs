#!/usr/bin/env node
// A small, strict wrapper around the official `miniprogram-ci` (pinned in package.json).
//
//   node scripts/mp-upload.mjs [upload|compile|pack-npm] [--stdin] [flags] [--dry-run]
//
// Options come as one JSON object on stdin (`--stdin`) and/or as flags (flags win):
//   --appid wx...                  the mini-program the code-upload key belongs to
//   --project-path DIR             the folder holding project.config.json
//   --private-key-path FILE        the code-upload key (PEM), or
//   --private-key-env NAME         the name of an environment variable holding it
//                                  (default when neither is given: MP_UPLOAD_PRIVATE_KEY)
//   --version V  --desc TEXT  --robot 1..30  --threads N  --type miniProgram
//   --setting '{"es6":true,...}'   ci.upload's compile settings (known keys only, booleans)
//   --ignores '["node_modules/**/*"]'
//   --save-path FILE               compile: also write the compiled package as a zip
//   --dry-run                      upload: build ci.Project, validate everything that can be
//                                  checked offline (incl. that the key can sign), print the exact
//                                  options ci.upload would get, and stop before any network call
//
// Actions:
//   upload    ci.upload (network: servicewechat.com, needs the IP allow-list) -> a development
//             version (owner mode) or a template draft (third-party platform's dev mini-program)
//   compile   ci.getCompiledResult with the project attributes supplied locally, so it runs with
//             no network: the real WeChat compiler, real package sizes. Nothing is uploaded.
//   pack-npm  ci.packNpm (构建npm): writes miniprogram_npm/ into the project. No network.
//
// Output: exactly one JSON line on stdout, {"ok": true, ...} or
// {"ok": false, "error": {"stage", "code", "message", "hint"}}; everything miniprogram-ci prints
// goes to stderr. Exit status: 0 ok, 2 invalid input, 1 any other failure.
// The private key is never printed: not in the result, not in errors, not in progress lines.

import { createRequire } from 'node:module'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const realStdoutWrite = process.stdout.write.bind(process.stdout)
const ACTIONS = ['upload', 'compile', 'pack-npm']
const PROJECT_TYPES = ['miniProgram', 'miniProgramPlugin', 'miniGame', 'miniGamePlugin']
// MiniProgramCI.ICompileSettings in miniprogram-ci's own typings (dist/@types/types/ci.d.ts).
const SETTING_KEYS = [
  'useProjectConfig', 'es6', 'es7', 'minify', 'codeProtect', 'minifyJS', 'minifyWXML', 'minifyWXSS',
  'autoPrefixWXSS', 'disableUseStrict', 'compileWorklet',
]
const DEFAULT_KEY_ENV = 'MP_UPLOAD_PRIVATE_KEY'
const APPID_RE = /^wx[0-9a-f]{16}$/i

class InputError extends Error {
  constructor (message, hint) {
    super(message)
    this.hint = hint
  }
}

const secrets = []
function redact (text) {
  let out = String(text)
  for (const secret of secrets) {
    if (secret && out.includes(secret)) out = out.split(secret).join('***')
  }
  // any PEM block, whatever produced it
  return out.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    '***')
}

function emit (obj, status) {
  realStdoutWrite(redact(JSON.stringify(obj)) + '\n', () => process.exit(status))
}

// miniprogram-ci logs to stdout; keep stdout for the one result line.
for (const name of ['log', 'info', 'debug', 'warn']) {
  console[name] = (...args) => process.stderr.write(redact(args.map(a => typeof a === 'string' ? a : safeJson(a)).join(' ')) + '\n')
}
process.stdout.write = (chunk, encoding, cb) => process.stderr.write(redact(chunk), encoding, cb)

function safeJson (value) {
  try { return JSON.stringify(value) } catch { return String(value) }
}

function parseArgs (argv) {
  const flags = {}
  const positional = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) { positional.push(arg); continue }
    const [rawName, inline] = arg.slice(2).split(/=(.*)/s, 2)
    const name = rawName.replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (['dryRun', 'stdin', 'help'].includes(name)) { flags[name] = true; continue }
    const value = inline !== undefined ? inline : argv[++i]
    if (value === undefined) throw new InputError(`--${rawName} needs a value`)
    flags[name] = value
  }
  return { flags, positional }
}

function readStdinJson () {
  const text = fs.readFileSync(0, 'utf8')
  if (!text.trim()) return {}
  let parsed
  try { parsed = JSON.parse(text) } catch (e) {
    throw new InputError(`stdin is not JSON: ${e.message}`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InputError('stdin JSON must be an object')
  return parsed
}

function jsonFlag (name, value) {
  if (typeof value !== 'string') return value
  try { return JSON.parse(value) } catch (e) {
    throw new InputError(`--${name} must be JSON: ${e.message}`)
  }
}

function readPrivateKey (opts) {
  if ('privateKey' in opts) {
    throw new InputError('the private key itself is never accepted as an option',
      'pass privateKeyPath (a file) or privateKeyEnv (an environment variable name)')
  }
  if (opts.privateKeyPath) {
    const file = path.resolve(String(opts.privateKeyPath))
    let key
    try { key = fs.readFileSync(file, 'utf8') } catch (e) {
      throw new InputError(`cannot read the private key file ${file}: ${e.code || e.message}`)
    }
    return { key, source: { file } }
  }
  const env = String(opts.privateKeyEnv || DEFAULT_KEY_ENV)
  const key = process.env[env]
  if (!key) {
    throw new InputError(`no private key: environment variable ${env} is empty and no privateKeyPath was given`,
      'download the code-upload key (代码上传密钥) in mp.weixin.qq.com → 开发管理 → 开发设置')
  }
  return { key, source: { env } }
}

function checkKey (key, appid) {
  secrets.push(key.trim())
  let parsed
  try { parsed = crypto.createPrivateKey(key) } catch (e) {
    throw new InputError('the private key is not a PEM private key', 'use the key file exactly as downloaded (代码上传密钥)')
  }
  if (parsed.asymmetricKeyType !== 'rsa') {
    throw new InputError(`the private key is ${parsed.asymmetricKeyType}, not RSA`)
  }
  // miniprogram-ci signs {appid, rand_str} with privateEncrypt + PKCS#1 v1.5 (dist/utils/sign.js);
  // do the same with a local nonce so a broken key fails here, offline, not after a network call.
  try {
    crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING },
      Buffer.from(JSON.stringify({ appid, rand_str: 'dry-run' })))
  } catch (e) {
    throw new InputError('the private key cannot sign as miniprogram-ci does (RSA PKCS#1 v1.5)')
  }
  return { type: 'rsa', bits: parsed.asymmetricKeyDetails?.modulusLength }
}

function validate (action, opts) {
  const appid = String(opts.appid || '')
  if (!APPID_RE.test(appid)) throw new InputError(`appid ${JSON.stringify(appid)} is not a mini-program appid (wx + 16 hex)`)
  if (!opts.projectPath) throw new InputError('projectPath is required')
  const projectPath = path.resolve(String(opts.projectPath))
  const configFile = path.join(projectPath, 'project.config.json')
  if (!fs.existsSync(configFile)) throw new InputError(`${configFile} does not exist`, 'projectPath must be the folder holding project.config.json')
  let config
  try { config = JSON.parse(fs.readFileSync(configFile, 'utf8')) } catch (e) {
    throw new InputError(`${configFile} is not valid JSON: ${e.message}`)
  }
  if (config.appid && config.appid !== appid) {
    throw new InputError(`project.config.json says appid ${config.appid}, but the upload is for ${appid}`,
      'the key, the IP allow-list and the appid must all be those of the mini-program you upload to (for a third-party platform: its development mini-program)')
  }
  const type = String(opts.type || 'miniProgram')
  if (!PROJECT_TYPES.includes(type)) throw new InputError(`type must be one of ${PROJECT_TYPES.join(', ')}`)
  const ignores = opts.ignores === undefined ? ['node_modules/**/*'] : jsonFlag('ignores', opts.ignores)
  if (!Array.isArray(ignores) || ignores.some(i => typeof i !== 'string')) throw new InputError('ignores must be a list of glob strings')

  const upload = {}
  if (action !== 'pack-npm') {
    const version = opts.version === undefined ? '' : String(opts.version)
    if (!version.trim()) throw new InputError('version is required')
    if (version.length > 64) throw new InputError('version is longer than 64 characters (wxa/commit limits user_version to 64)')
    upload.version = version
    upload.desc = opts.desc === undefined ? '' : String(opts.desc)
    const robot = opts.robot === undefined ? 1 : Number(opts.robot)
    if (!Number.isInteger(robot) || robot < 1 || robot > 30) throw new InputError(`robot must be an integer 1..30, got ${opts.robot}`)
    upload.robot = robot
    const setting = opts.setting === undefined ? {} : jsonFlag('setting', opts.setting)
    if (!setting || typeof setting !== 'object' || Array.isArray(setting)) throw new InputError('setting must be an object')
    for (const [key, value] of Object.entries(setting)) {
      if (!SETTING_KEYS.includes(key)) throw new InputError(`unknown setting ${key}; known: ${SETTING_KEYS.join(', ')}`)
      if (typeof value !== 'boolean') throw new InputError(`setting ${key} must be true or false`)
    }
    upload.setting = setting
    if (opts.threads !== undefined) {
      const threads = Number(opts.threads)
      if (!Number.isInteger(threads) || threads < 1) throw new InputError('threads must be a positive integer')
      upload.threads = threads
    }
  }
  let ext = null
  const extFile = path.join(projectPath, String(config.miniprogramRoot || ''), 'ext.json')
  if (fs.existsSync(extFile)) {
    try { ext = JSON.parse(fs.readFileSync(extFile, 'utf8')) } catch (e) {
      throw new InputError(`${extFile} is not valid JSON: ${e.message}`, 'WeChat answers 85048 "parse ext.json failed" otherwise')
    }
  }
  const savePath = opts.savePath ? path.resolve(String(opts.savePath)) : undefined
  return {
    appid, projectPath, type, ignores, upload, savePath,
    thirdParty: ext ? { extEnable: Boolean(ext.extEnable), extAppid: ext.extAppid || null } : null,
  }
}

const HINTS = [
  [/invalid ip|-10008|白名单/i, 'add this machine\'s IP to the upload IP allow-list (mp.weixin.qq.com → 开发管理 → 开发设置 → 小程序代码上传), or switch the allow-list off'],
  [/getaddrinfo|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|socket hang up|tunneling socket/i, 'miniprogram-ci could not reach servicewechat.com; check network access and the HTTPS_PROXY/HTTP_PROXY settings'],
  [/80051|exceed max limit|size.*limit/i, 'the compiled package is too large (2 MB per package); move pages into subpackages or shrink assets'],
  [/signature|privateKey|private key|-10011|-80011/i, 'the code-upload key does not match this appid (or was reset); download it again'],
]

function failure (stage, error) {
  const message = redact(error && error.message ? error.message : String(error))
  const code = error && error.code !== undefined ? error.code : null
  let hint = error && error.hint ? error.hint : null
  if (!hint) for (const [re, text] of HINTS) if (re.test(message)) { hint = text; break }
  return { ok: false, error: { stage, code, message, hint } }
}

async function main () {
  const { flags, positional } = parseArgs(process.argv.slice(2))
  if (flags.help) {
    emit({ ok: true, usage: 'node scripts/mp-upload.mjs [upload|compile|pack-npm] [--stdin] [--dry-run] --appid wx... --project-path DIR (--private-key-path FILE | --private-key-env NAME) --version V [--desc D] [--robot N] [--setting JSON]' }, 0)
    return
  }
  const opts = { ...(flags.stdin ? readStdinJson() : {}), ...flags }
  delete opts.stdin
  const action = String(positional[0] || opts.action || 'upload')
  if (!ACTIONS.includes(action)) throw new InputError(`unknown action ${action}; one of ${ACTIONS.join(', ')}`)
  const dryRun = Boolean(opts.dryRun)
  const checked = validate(action, opts)
  const { key, source } = readPrivateKey(opts)
  const keyInfo = checkKey(key, checked.appid)

  let ci
  try { ci = require('miniprogram-ci') } catch (e) {
    throw Object.assign(new Error('miniprogram-ci is not installed'), {
      hint: 'run: npm ci --prefer-offline --no-audit --no-fund --ignore-scripts (or make setup)',
    })
  }
  const ciVersion = require('miniprogram-ci/package.json').version

  // miniprogram-ci drops cache folders into the working directory: give it a private one.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-upload-'))
  process.chdir(workDir)
  process.on('exit', () => { try { fs.rmSync(workDir, { recursive: true, force: true }) } catch {} })

  const projectOptions = {
    appid: checked.appid, type: checked.type, projectPath: checked.projectPath, ignores: checked.ignores,
  }
  const shownProject = { ...projectOptions, privateKey: source }
  const base = { ok: true, action, ciVersion, project: shownProject, key: keyInfo, thirdParty: checked.thirdParty }
  if (action === 'compile') {
    // Supplying attr() is miniprogram-ci's own extension point (README: IProject.attr); with it the
    // project never fetches its attributes (a signed call to servicewechat.com). These are the
    // package's built-in defaults (ci.DefaultProjectAttr), not the live account's.
    projectOptions.attr = async () => ci.DefaultProjectAttr
  }
  let project
  try {
    project = new ci.Project({ ...projectOptions, privateKey: key })
  } catch (e) {
    emit(failure('project', e), 2)
    return
  }

  if (action === 'upload') {
    // The one object handed to ci.upload; the dry run prints this very object (functions and the
    // project shown as placeholders), so what it shows is what an upload would pass.
    const uploadOptions = { project, ...checked.upload, onProgressUpdate: progress }
    const shown = describe(uploadOptions)
    if (dryRun) {
      emit({ ...base, dryRun: true, upload: shown }, 0)
      return
    }
    let result
    try {
      result = await ci.upload(uploadOptions)
    } catch (e) {
      emit(failure('upload', e), 1)
      return
    }
    emit({ ...base, dryRun: false, upload: shown, result }, 0)
    return
  }
  if (action === 'compile') {
    let files
    try {
      files = await ci.getCompiledResult({ project, ...checked.upload, onProgressUpdate: progress },
        checked.savePath)
    } catch (e) {
      emit(failure('compile', e), 1)
      return
    }
    const sizes = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, Buffer.byteLength(content)]))
    const total = Object.values(sizes).reduce((a, b) => a + b, 0)
    emit({ ...base, dryRun: true, attr: ci.DefaultProjectAttr, compiled: { files: sizes, totalBytes: total } }, 0)
    return
  }
  // pack-npm
  if (dryRun) {
    emit({ ...base, dryRun: true, packNpm: { ignores: checked.ignores } }, 0)
    return
  }
  try {
    const warnings = await ci.packNpm(project, { ignores: [], reporter: progress })
    emit({ ...base, dryRun: false, packNpm: { warnings: warnings || [] } }, 0)
  } catch (e) {
    emit(failure('pack-npm', e), 1)
  }
}

function describe (options) {
  return Object.fromEntries(Object.entries(options).map(([name, value]) => [name,
    name === 'project' ? '<ci.Project>' : typeof value === 'function' ? `<function ${value.name}>` : value]))
}

function progress (task) {
  process.stderr.write(redact(`[miniprogram-ci] ${typeof task === 'string' ? task : safeJson(task)}`) + '\n')
}

main().catch((e) => emit(failure(e instanceof InputError ? 'input' : 'internal', e), e instanceof InputError ? 2 : 1))
