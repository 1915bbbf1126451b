#!/usr/bin/env node
/*
 * telegram-test-api 4.2.1, patched so python-telegram-bot 22 can talk to it, for the end-to-end tests
 * and benchmarks/bench_telegram.py.
 *
 *   NODE_PATH=<repo>/.cache/npm/node_modules node tests/telegram_emulator.js [PORT]
 *
 * Listens on 127.0.0.1 (PORT 0 or absent: a free port) and prints one line {"port": N} when ready.
 * SIGTERM/SIGINT, or the end of its stdin (the parent died), stop it. Each patch below exists because of a measured mismatch with PTB 22:
 *
 *  1. getMe lacks `is_bot`: PTB's User requires it, so Bot.initialize() fails. -> added.
 *  2. sendMessage answers `date` in milliseconds: PTB turns it into a datetime and overflows the year.
 *     -> seconds; the answer's `chat` also gets the real chat type/title instead of always "private".
 *  3. editMessageText / editMessageReplyMarkup answer `null`: PTB expects a Message or true. -> true;
 *     and editMessageReplyMarkup without a markup now removes the stored keyboard (as Telegram does).
 *  4. callback queries lack `chat_instance`, a required CallbackQuery field in PTB. -> added.
 *  5. sendPhoto / sendDocument are unsupported (HTTP 500), and multipart bodies are never parsed.
 *     -> parsed here; stored as bot messages carrying photo/document metadata (file name, size).
 *  6. getUpdates ignores `offset` and `timeout`: updates are marked read when fetched (a lost answer
 *     loses them) and every call returns at once (polling becomes a busy loop). -> updates stay until
 *     confirmed by a later offset, and an empty queue is long-polled for up to `timeout` seconds.
 *  7. a dead webhook target crashes the process (a fire-and-forget axios POST rejects unhandled), and
 *     update ids are incremented only after that POST, so concurrent updates share an update_id.
 *     -> ids are taken synchronously; delivery runs in the background with retries and never throws.
 *  8. webhook POSTs lack X-Telegram-Bot-Api-Secret-Token, so PTB answers 403 when a secret is set.
 *     -> sent from setWebhook's secret_token.
 *  9. setMyCommands / getMyCommands / getChatAdministrators are unsupported (HTTP 500). -> menus are
 *     stored per scope; a chat's administrators are the users a test named (see 10).
 * 10. test controls: POST /_compat/admins {chat_id, user_ids}; POST /_compat/fail {method, count,
 *     error_code, retry_after} (the next `count` calls of `method` fail, e.g. an injected 429);
 *     GET /_compat/calls (Bot API calls and failures served, per method).
 * 11. the client's POST /getUpdates (the bot's messages to one chat) can only be polled; with a
 *     `timeout` (seconds) in the body it now waits for the next bot message in that chat instead,
 *     so tests and the latency benchmark see a reply the moment it is sent.
 */
'use strict';

const axios = require('axios');
const pkg = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');

const TelegramServer = pkg.TelegramServer || pkg.default || pkg;
const log = (...args) => process.stderr.write(`[telegram-emulator] ${args.join(' ')}\n`);

const chats = new Map(); // chat id -> the chat object users sent (patch 2)
const admins = new Map(); // chat id -> Set of user ids (patch 9)
const commands = new Map(); // token + scope -> commands (patch 9)
const failures = new Map(); // method -> [{error_code, retry_after, description}] (patch 10)
const calls = {}; // method -> count; "<method>:failed" -> count (patch 10)

const params = (req) => Object.assign({}, req.query, req.body);
const parse = (v) => (typeof v === 'string' && /^[[{]/.test(v) ? JSON.parse(v) : v);

// --- 4 + tidy updates ------------------------------------------------------------------------------
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const out = formatUpdate(update);
  if (out.callback_query) out.callback_query.chat_instance = String((out.callback_query.message || {}).chat?.id || 0);
  if (out.message) delete out.message.botToken;
  return out;
};

// --- 2 ---------------------------------------------------------------------------------------------
const addBotMessage = TelegramServer.prototype.addBotMessage;
TelegramServer.prototype.addBotMessage = function patched(raw, token) {
  const msg = addBotMessage.call(this, raw, token);
  msg.date = Math.floor(msg.date / 1000);
  msg.chat = chats.get(String(raw.chat_id)) || msg.chat;
  delete msg.chat_id;
  delete msg.botToken;
  return msg;
};

// --- 6 + 7 + 8 -------------------------------------------------------------------------------------
async function deliver(webhook, update, attempt = 0) {
  const headers = webhook.secret_token ? { 'X-Telegram-Bot-Api-Secret-Token': webhook.secret_token } : {};
  try {
    const resp = await axios({ url: webhook.url, method: 'POST', data: TelegramServer.formatUpdate(update),
      headers, timeout: 10000, validateStatus: () => true });
    if (resp.status >= 300) throw new Error(`HTTP ${resp.status}`);
  } catch (err) {
    if (attempt >= 4) { log(`webhook gave up on update ${update.updateId}: ${err.message}`); return; }
    setTimeout(() => deliver(webhook, update, attempt + 1), 250 * 2 ** attempt);
  }
}

TelegramServer.prototype.addUserUpdate = async function patched(update) {
  if (!update.botToken) throw new Error('The message must contain a `botToken` field.');
  update.updateId = this.updateId++;
  const chat = (update.message || (update.callbackQuery && update.callbackQuery.message) || {}).chat;
  if (chat && chat.id !== undefined) chats.set(String(chat.id), chat);
  const webhook = this.webhooks[update.botToken];
  if (webhook) deliver(webhook, update);
  else this.storage.userMessages.push(update);
  this.emit('compat:update', update.botToken);
};

function getUpdates(server) {
  return (app) => app.all('/bot:token/getUpdates', (req, res) => {
    const token = req.params.token;
    const p = params(req);
    const offset = Number(p.offset || 0);
    const limit = Math.min(Number(p.limit || 100), 100);
    const timeout = Math.min(Number(p.timeout || 0), 50);
    if (offset) {
      server.storage.userMessages = server.storage.userMessages.filter(
        (u) => u.botToken !== token || u.updateId >= offset);
    }
    const pending = () => server.storage.userMessages.filter((u) => u.botToken === token);
    let timer = null;
    const answer = () => {
      clearTimeout(timer);
      server.off('compat:update', onUpdate);
      if (!res.headersSent) res.json({ ok: true, result: pending().slice(0, limit).map(TelegramServer.formatUpdate) });
    };
    const onUpdate = (t) => { if (t === token) answer(); };
    if (pending().length || !timeout) { answer(); return; }
    timer = setTimeout(answer, timeout * 1000);
    server.on('compat:update', onUpdate);
    res.on('close', () => { clearTimeout(timer); server.off('compat:update', onUpdate); });
  });
}

// --- 5 ---------------------------------------------------------------------------------------------
function readMultipart(req) {
  return new Promise((resolve, reject) => {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] || '');
    if (!m) { resolve({ fields: params(req), files: {} }); return; }
    const boundary = Buffer.from(`--${m[1] || m[2]}`);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fields = {};
      const files = {};
      let start = body.indexOf(boundary);
      while (start !== -1) {
        const next = body.indexOf(boundary, start + boundary.length);
        if (next === -1) break;
        const part = body.subarray(start + boundary.length + 2, next - 2);
        const split = part.indexOf('\r\n\r\n');
        const head = part.subarray(0, split).toString('utf8');
        const data = part.subarray(split + 4);
        const name = (/name="([^"]*)"/i.exec(head) || [])[1];
        const filename = /filename="([^"]*)"/i.exec(head);
        const type = /content-type:\s*([^\r\n]+)/i.exec(head);
        if (filename) files[name] = { filename: filename[1], size: data.length, mime: type ? type[1] : '' };
        else if (name) fields[name] = data.toString('utf8');
        start = next;
      }
      resolve({ fields, files });
    });
  });
}

function sendFile(server, method, field) {
  return (app) => app.post(`/bot:token/${method}`, async (req, res) => {
    const { fields, files } = await readMultipart(req);
    const file = files[field] || { filename: String(fields[field] || ''), size: 0, mime: '' };
    const id = `${field}-${server.messageId}`;
    const meta = { file_id: id, file_unique_id: id, file_size: file.size };
    fields[field] = field === 'photo'
      ? [Object.assign({ width: 640, height: 480 }, meta)]
      : Object.assign({ file_name: file.filename, mime_type: file.mime }, meta);
    fields.file_name = file.filename; // for the test client, which reads the stored request
    res.json({ ok: true, result: server.addBotMessage(fields, req.params.token) });
  });
}

// --- 3, 9 ------------------------------------------------------------------------------------------
function edit(server, method) {
  return (app) => app.all(`/bot:token/${method}`, (req, res) => {
    const p = params(req);
    const stored = server.storage.botMessages.find((u) => String(u.messageId) === String(p.message_id)
      && String(u.message.chat_id) === String(p.chat_id));
    if (stored) {
      if (p.text !== undefined) stored.message.text = p.text;
      if (p.reply_markup) stored.message.reply_markup = parse(p.reply_markup);
      else if (method === 'editMessageReplyMarkup') delete stored.message.reply_markup;
    }
    res.json({ ok: true, result: true });
  });
}

const botApi = (server) => [
  (app) => app.all('/bot:token/:method', (req, res, next) => { // 10: count, and fail on request
    const method = req.params.method;
    calls[method] = (calls[method] || 0) + 1;
    const queued = failures.get(method);
    if (!queued || !queued.length) { next(); return; }
    const f = queued.shift();
    calls[`${method}:failed`] = (calls[`${method}:failed`] || 0) + 1;
    const body = { ok: false, error_code: f.error_code, description: f.description };
    if (f.retry_after) body.parameters = { retry_after: f.retry_after };
    res.status(f.error_code).json(body);
  }),
  (app) => app.all('/bot:token/getMe', (req, res) => res.json({ ok: true, result: {
    id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot',
    can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } })),
  getUpdates(server),
  sendFile(server, 'sendPhoto', 'photo'),
  sendFile(server, 'sendDocument', 'document'),
  edit(server, 'editMessageText'),
  edit(server, 'editMessageReplyMarkup'),
  (app) => app.all('/bot:token/setWebhook', (req, res) => {
    const p = params(req);
    server.setWebhook(p, req.params.token);
    res.json({ ok: true, result: true });
  }),
  (app) => app.all('/bot:token/setMyCommands', (req, res) => {
    const p = params(req);
    commands.set(`${req.params.token} ${JSON.stringify(parse(p.scope) || { type: 'default' })}`, parse(p.commands));
    res.json({ ok: true, result: true });
  }),
  (app) => app.all('/bot:token/getMyCommands', (req, res) => {
    const p = params(req);
    const key = `${req.params.token} ${JSON.stringify(parse(p.scope) || { type: 'default' })}`;
    res.json({ ok: true, result: commands.get(key) || [] });
  }),
  (app) => app.all('/bot:token/getChatAdministrators', (req, res) => {
    const ids = [...(admins.get(String(params(req).chat_id)) || [])];
    res.json({ ok: true, result: ids.map((id) => ({ status: 'administrator',
      user: { id: Number(id), is_bot: false, first_name: `user${id}` }, can_be_edited: false,
      is_anonymous: false, can_manage_chat: true, can_delete_messages: true, can_manage_video_chats: true,
      can_restrict_members: true, can_promote_members: false, can_change_info: true, can_invite_users: true,
      can_post_stories: false, can_edit_stories: false, can_delete_stories: false })) });
  }),
];

function clientUpdates(server) { // 11
  return (app) => app.post('/getUpdates', (req, res) => {
    const { token, chatId } = req.body;
    const unread = () => server.storage.botMessages.filter((u) => u.botToken === token
      && String(u.message.chat_id) === String(chatId) && !u.isRead);
    let timer = null;
    const answer = () => {
      clearTimeout(timer);
      server.off('AddedBotMessage', answer);
      if (res.headersSent) return;
      const messages = unread();
      messages.forEach((u) => { u.isRead = true; });
      res.json({ ok: true, result: messages });
    };
    const timeout = Math.min(Number(req.body.timeout || 0), 60);
    if (unread().length || !timeout) { answer(); return; }
    timer = setTimeout(answer, timeout * 1000);
    server.on('AddedBotMessage', answer);
    res.on('close', () => { clearTimeout(timer); server.off('AddedBotMessage', answer); });
  });
}

const controls = (server) => [
  clientUpdates(server),
  (app) => app.post('/_compat/admins', (req, res) => {
    admins.set(String(req.body.chat_id), new Set((req.body.user_ids || []).map(String)));
    res.json({ ok: true, result: true });
  }),
  (app) => app.post('/_compat/fail', (req, res) => {
    const { method, count = 1, error_code = 429, retry_after = 1 } = req.body;
    const queued = failures.get(method) || [];
    for (let i = 0; i < count; i++) {
      queued.push({ error_code, retry_after: error_code === 429 ? retry_after : 0,
        description: error_code === 429 ? `Too Many Requests: retry after ${retry_after}` : 'Bad Request: injected' });
    }
    failures.set(method, queued);
    res.json({ ok: true, result: true });
  }),
  (app) => app.get('/_compat/calls', (req, res) => res.json({ ok: true, result: calls })),
];

async function main() {
  // The package registers its routes from this array in its constructor: ours go first, so they win.
  routes.unshift((app, server) => [...controls(server), ...botApi(server)].forEach((route) => route(app)));
  const server = new TelegramServer({ host: '127.0.0.1', storeTimeout: 3600 });
  server.config.port = Number(process.argv[2] || 0); // normalizeConfig turns 0 into 9000
  await server.start();
  process.stdout.write(`${JSON.stringify({ port: server.server.address().port })}\n`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent holds our stdin open; when it dies without stopping us, stdin ends and we stop too.
  process.stdin.on('end', stop).resume();
}

main().catch((err) => { log(err.stack || String(err)); process.exit(1); });
