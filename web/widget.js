/*!
 * kycdesk web widget: one <script> tag, plain JS, no framework, no build step.
 *
 *   <script src="https://HOST/widget.js" data-lang="zh-CN|en" data-color="#1677ff"
 *           data-position="right|left" data-identity="<token>" data-api="https://HOST" async></script>
 *
 * Language: the visitor's switch (remembered), else data-lang, <html lang>, navigator.language.
 * Identity: data-identity goes as X-Kycdesk-Identity on every call and in the socket's first
 * frame (never in a URL). When the server says it expired, the widget fires `kycdesk:identity-expired`
 * on window and waits; the page answers with `KycDesk.setIdentity(freshToken)`.
 * Conversation: the server issues its id and a token (POST /api/v1/conversations); the token goes
 * as X-Kycdesk-Conversation on every call and in the socket's first frame.
 *
 * Transport (a choice): what the visitor sends goes out as HTTP POST (XMLHttpRequest, so photo
 * uploads report progress) and the reply is the bot's turn; the WebSocket only RECEIVES pushes
 * (follow-ups, agent messages, typing, queue position) and reconnects with exponential back-off.
 * Messages leave one at a time, in order; a retry (network error, 5xx, 429 after Retry-After, the
 * Retry button) reuses the message's client_id, so the server processes it once.
 *
 * History: the visitor id (v_ + random, one per signed-in user) lives in localStorage; on load
 * the transcript is shown. Other tabs follow live through `storage` events. Typed texts (they may
 * hold ID numbers) are never kept in localStorage: only button labels, the last turn, the language.
 *
 * Rendering: in an open shadow root (host CSS cannot reach in, ours cannot leak out); every text
 * from visitors, agents and flows is set with textContent, never parsed as HTML. UI strings come
 * from GET /api/v1/widget/texts (locales/<lang>/widget.ftl); FALLBACK is for when that fails.
 *
 * Hooks: window.KycDesk.open()/.close()/.toggle(), or dispatch a `kycdesk:open` event on window.
 */
(function () {
  'use strict';
  if (window.KycDesk && window.KycDesk.version) return;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var ds = (script && script.dataset) || {};
  var API = (ds.api || (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, '');
  var IDENTITY = (ds.identity || '').trim();
  if (IDENTITY.indexOf('{{') >= 0) IDENTITY = ''; // page served without its token filled in
  function userOf(token) { return token ? token.split('.').slice(0, -2).join('.') : ''; }
  var USER = userOf(IDENTITY);
  var POSITION = ds.position === 'left' ? 'left' : 'right';
  var MAX_PHOTO = 10 * 1024 * 1024;
  var PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
  var NS = 'kycdesk.v1:';
  var SCOPE = USER ? 'u:' + USER : 'anon';
  var K_VISITOR = NS + 'visitor:' + SCOPE;
  var K_LANG = NS + 'lang';
  var K_EVENT = NS + 'event';
  var K_OPEN = NS + 'open:' + SCOPE;
  var FALLBACK = {
    'widget-launcher': 'Chat', 'widget-title': 'Help', 'widget-close': 'Close',
    'widget-send': 'Send', 'widget-photo': 'Photo', 'widget-retry': 'Retry',
    'widget-server-down': 'Service unavailable.', 'widget-error': 'Error.'
  };

  // ---- small helpers
  var mem = {};
  function sget(k) { try { return localStorage.getItem(k); } catch (e) { return k in mem ? mem[k] : null; } }
  function sset(k, v) { try { localStorage.setItem(k, v); } catch (e) { mem[k] = v; } }
  function jget(k) { try { return JSON.parse(sget(k) || 'null'); } catch (e) { return null; } }
  function tabGet(k) { try { return sessionStorage.getItem(k); } catch (e) { return null; } }
  function tabSet(k, v) { try { if (v) sessionStorage.setItem(k, v); else sessionStorage.removeItem(k); } catch (e) { /* private mode */ } }
  function rand(n) {
    var a = new Uint8Array(n);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function newClientId() { return 'c_' + Date.now().toString(36) + '_' + rand(8); }
  function normLang(s) {
    s = String(s || '').toLowerCase();
    if (s.indexOf('zh') === 0) return 'zh-CN';
    if (s.indexOf('en') === 0) return 'en';
    return null;
  }
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') el.textContent = attrs[k];
      else if (k === 'class') el.className = attrs[k];
      else if (attrs[k] === true) el.setAttribute(k, '');
      else if (attrs[k] != null && attrs[k] !== false) el.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c) el.appendChild(c); });
    return el;
  }
  function icon(d, size) {
    var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', size || 24);
    svg.setAttribute('height', size || 24);
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.setAttribute('d', d);
    p.setAttribute('fill', 'currentColor');
    svg.appendChild(p);
    return svg;
  }
  var ICON_CHAT = 'M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4.5 21l3.7-1.9c1.2.4 2.5.6 3.8.6 5.5 0 10-3.8 10-8.5S17.5 3 12 3zm-4 9.7a1.2 1.2 0 110-2.4 1.2 1.2 0 010 2.4zm4 0a1.2 1.2 0 110-2.4 1.2 1.2 0 010 2.4zm4 0a1.2 1.2 0 110-2.4 1.2 1.2 0 010 2.4z';
  var ICON_CAMERA = 'M9 3L7.2 5H4a2 2 0 00-2 2v11a2 2 0 002 2h16a2 2 0 002-2V7a2 2 0 00-2-2h-3.2L15 3H9zm3 5a4.5 4.5 0 110 9 4.5 4.5 0 010-9zm0 2a2.5 2.5 0 100 5 2.5 2.5 0 000-5z';
  var ICON_CLOSE = 'M6.4 5L5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12 19 6.4 17.6 5 12 10.6z';
  var ICON_SEND = 'M3 20.5l18-8.5L3 3.5v6.6l12 1.9-12 1.9z';

  function themeColor(c) {
    c = String(c || '').trim();
    if (!c || !(window.CSS && CSS.supports && CSS.supports('color', c))) return null;
    return c;
  }
  /** Dark or light text on the theme colour (YIQ brightness of a #rgb / #rrggbb colour). */
  function onColor(c) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
    if (!m) return '#fff';
    var x = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    var n = parseInt(x, 16);
    return ((n >> 16) * 299 + ((n >> 8) & 255) * 587 + (n & 255) * 114) / 1000 > 150 ? '#111' : '#fff';
  }

  // ---- texts
  var lang = normLang(sget(K_LANG)) || normLang(ds.lang) || normLang(document.documentElement.lang) ||
    normLang(navigator.language) || 'zh-CN';
  var texts = jget(NS + 'texts:' + lang) || {};
  var bindings = [];
  function t(key, args) {
    var s = texts[key] != null ? texts[key] : (FALLBACK[key] || '');
    for (var a in args || {}) s = s.replace(new RegExp('\\{\\s*\\$' + a + '\\s*\\}', 'g'), String(args[a]));
    return s;
  }
  function bind(el, attr, key) { bindings.push([el, attr, key]); setText(el, attr, key); return el; }
  function setText(el, attr, key) {
    if (attr === 'text') el.textContent = t(key); else el.setAttribute(attr, t(key));
  }
  function applyTexts() {
    bindings.forEach(function (b) { setText(b[0], b[1], b[2]); });
    panel.setAttribute('lang', lang);
    updateBadge();
    updateStatus();
  }
  function loadTexts(l) {
    return request('GET', '/api/v1/widget/texts?lang=' + encodeURIComponent(l), {}).then(function (r) {
      if (r && r.texts) {
        sset(NS + 'texts:' + l, JSON.stringify(r.texts));
        if (l === lang) { texts = r.texts; applyTexts(); }
      }
    }, function () { /* keep the cached or fallback texts */ });
  }
  function setLang(l, remember) {
    if (!l) return Promise.resolve();
    if (remember) sset(K_LANG, l);
    if (l === lang) return Promise.resolve();
    lang = l;
    texts = jget(NS + 'texts:' + l) || texts;
    applyTexts();
    return loadTexts(l);
  }

  // ---- HTTP
  function retryAfter(v) {
    if (!v) return 0;
    var n = Number(v);
    if (!isNaN(n)) return Math.max(1, Math.ceil(n));
    var d = Date.parse(v);
    return isNaN(d) ? 0 : Math.max(1, Math.ceil((d - Date.now()) / 1000));
  }
  function request(method, path, o) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open(method, API + path);
      x.timeout = o.timeout || 30000;
      x.setRequestHeader('Accept', 'application/json');
      if (IDENTITY) x.setRequestHeader('X-Kycdesk-Identity', IDENTITY);
      if (convToken && o.conv) x.setRequestHeader('X-Kycdesk-Conversation', convToken);
      for (var k in o.headers || {}) x.setRequestHeader(k, o.headers[k]);
      if (o.progress && x.upload) {
        x.upload.onprogress = function (e) { if (e.lengthComputable) o.progress(e.loaded / e.total); };
      }
      x.onload = function () {
        var body = null;
        try { body = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
        if (x.status >= 200 && x.status < 300 && body) return resolve(body);
        reject({ status: x.status, code: (body && body.code) || '', detail: (body && body.detail) || '',
          wait: retryAfter(x.getResponseHeader('Retry-After')) });
      };
      x.onerror = x.ontimeout = x.onabort = function () { reject({ status: 0, code: 'network' }); };
      x.send(o.body == null ? null : o.body);
    });
  }
  function convPath(rest) { return '/api/v1/conversations/' + encodeURIComponent(visitor) + rest; }

  // ---- state
  /** The conversation this browser holds: `{"id", "token"}` as the server issued them. */
  function storedConversation() {
    var c = jget(K_VISITOR);
    return c && typeof c.id === 'string' && typeof c.token === 'string' ? c : null;
  }
  var held = storedConversation();
  var visitor = held ? held.id : null;
  var convToken = held ? held.token : null;
  var creating = null;     // the request for a new conversation, in flight
  var waitingIdentity = false; // the identity expired: waiting for KycDesk.setIdentity
  var isOpen = false;
  var needStart = false;   // the current question's buttons are not on screen yet
  var restoring = null;    // the transcript request in flight
  var restoreFailed = false;
  var queue = [];          // messages waiting to be sent, in order
  var busy = false;
  var seen = {};           // client ids and push ids already shown
  var unread = 0;
  var focusQuick = false;  // the visitor used a quick reply: focus the next ones
  var st = { offline: navigator.onLine === false, down: false, reconnecting: false, rateUntil: 0, queue: 0, wait: 0, forbidden: false };
  var host, root, panel, launcher, badge, statusEl, log, jump, typingEl, input, sendBtn, fileInput, preview, previewImg, live, langBtn;
  var pendingPhoto = null;
  var pinned = true;

  function markSeen(k) { if (k) seen[k] = 1; }
  function labels() { return jget(NS + 'labels:' + visitor) || []; }
  function rememberLabel(cid, label) {
    var l = labels().filter(function (p) { return p[0] !== cid; });
    l.push([cid, label]);
    sset(NS + 'labels:' + visitor, JSON.stringify(l.slice(-200)));
  }

  // ---- DOM
  var CSS_TEXT = [
    ':host{all:initial;--kd-accent:#1677ff;--kd-on:#fff;--kd-bg:#fff;--kd-fg:#1f2329;--kd-muted:#5c6370;--kd-line:#e3e5e8;--kd-bot:#f1f3f5;',
    'font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;color:var(--kd-fg)}',
    '*{box-sizing:border-box}[hidden]{display:none!important}',
    'button{font:inherit;color:inherit;cursor:pointer;margin:0}',
    'button:focus-visible,textarea:focus-visible,.log:focus-visible{outline:3px solid var(--kd-accent);outline-offset:2px}',
    '.launcher{position:fixed;bottom:20px;right:20px;width:60px;height:60px;border-radius:50%;border:0;background:var(--kd-accent);color:var(--kd-on);',
    'box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;z-index:2147483000}',
    '.launcher:focus-visible{outline-color:var(--kd-fg)}',
    '.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5262e;color:#fff;font-size:12px;line-height:22px;text-align:center;font-weight:600}',
    ':host([data-position=left]) .launcher,:host([data-position=left]) .panel{left:20px;right:auto}',
    '.panel{position:fixed;bottom:92px;right:20px;width:380px;height:min(640px,calc(100vh - 112px));background:var(--kd-bg);border-radius:16px;',
    'box-shadow:0 12px 48px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden;z-index:2147483001}',
    '.head{background:var(--kd-accent);color:var(--kd-on);padding:12px 10px 12px 16px;display:flex;align-items:center;gap:6px}',
    '.titles{flex:1;min-width:0}h2{margin:0;font-size:16px;font-weight:600;line-height:1.3}.sub{margin:2px 0 0;font-size:12px;opacity:.85}',
    '.hbtn{background:transparent;border:1px solid currentColor;color:inherit;border-radius:8px;padding:3px 10px;font-size:13px;min-height:32px}',
    '.close{border:0;background:transparent;color:inherit;width:40px;height:40px;border-radius:8px;display:flex;align-items:center;justify-content:center}',
    '.hbtn:focus-visible,.close:focus-visible{outline-color:var(--kd-on);outline-offset:-3px}',
    '.status{padding:8px 14px;font-size:13px;background:#fff6e5;color:#7a4a00;border-bottom:1px solid #ffe0a8}',
    '.status.bad{background:#fdecea;color:#a0141c;border-color:#f8c7c2}',
    '.note{padding:6px 14px;font-size:12px;background:#eef6ff;color:#174a8b;border-bottom:1px solid #d6e8ff}',
    '.wrap{position:relative;flex:1;min-height:0;display:flex}',
    '.log{position:relative;flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}',
    '.msg{display:flex;flex-direction:column;max-width:86%}.msg.bot{align-self:flex-start}.msg .author{font-size:12px;opacity:.75;margin:0 0 2px 4px}.msg.agent .bubble{border-left:3px solid var(--kd-accent,#2563eb)}.msg.user{align-self:flex-end;align-items:flex-end}',
    '.msg.sys{align-self:center;max-width:96%}',
    '.bubble{padding:9px 12px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere}',
    '.bot .bubble{background:var(--kd-bot);border-bottom-left-radius:4px}',
    '.user .bubble{background:var(--kd-accent);color:var(--kd-on);border-bottom-right-radius:4px}',
    '.sys .bubble{color:var(--kd-muted);font-size:13px;text-align:center;padding:2px 8px}.sys.err .bubble{color:#b3161f}',
    '.user.failed .bubble{opacity:.55}',
    '.meta{font-size:12px;color:var(--kd-muted);margin-top:3px;display:flex;flex-wrap:wrap;justify-content:flex-end;gap:2px 8px;align-items:baseline;text-align:right}.meta.err{color:#b3161f}',
    '.link{background:none;border:0;padding:2px;color:inherit;text-decoration:underline;font-size:12px;font-weight:600}',
    '.quick{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}',
    '.qr{border:1px solid var(--kd-accent);color:var(--kd-accent);background:var(--kd-bg);border-radius:18px;padding:6px 12px;font-size:14px;min-height:36px;text-align:left}',
    '.qr:hover{background:var(--kd-accent);color:var(--kd-on)}',
    '.pic{display:block;max-width:200px;max-height:200px;border-radius:10px;margin-bottom:4px}',
    'progress{width:100%;height:6px;accent-color:var(--kd-on)}',
    '.divider{align-self:center;font-size:12px;color:var(--kd-muted);margin:2px 0}',
    '.jump{position:absolute;bottom:8px;left:50%;transform:translateX(-50%);border:0;border-radius:16px;padding:6px 14px;background:var(--kd-fg);color:#fff;font-size:13px;box-shadow:0 2px 8px rgba(0,0,0,.25)}',
    '.typing{display:flex;align-items:center;gap:8px;padding:0 16px 6px;font-size:12px;color:var(--kd-muted)}',
    '.dots{display:inline-flex;gap:3px}.dots i{width:6px;height:6px;border-radius:50%;background:var(--kd-muted);animation:kd-b 1.2s infinite}',
    '.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}',
    '@keyframes kd-b{0%,80%,100%{opacity:.25}40%{opacity:1}}',
    '.preview{display:flex;gap:10px;align-items:center;padding:8px 12px;border-top:1px solid var(--kd-line)}',
    '.preview img{width:64px;height:64px;object-fit:cover;border-radius:8px;border:1px solid var(--kd-line)}',
    '.pbtn{border:1px solid var(--kd-line);background:var(--kd-bg);border-radius:8px;padding:6px 10px;font-size:13px;min-height:36px}',
    '.pbtn.main{background:var(--kd-accent);color:var(--kd-on);border-color:var(--kd-accent)}',
    '.composer{display:flex;align-items:flex-end;gap:6px;padding:10px;border-top:1px solid var(--kd-line);margin:0}',
    'textarea{flex:1;resize:none;border:1px solid var(--kd-line);border-radius:10px;padding:9px 10px;font:inherit;font-size:16px;line-height:1.35;',
    'max-height:120px;min-height:42px;color:var(--kd-fg);background:var(--kd-bg);margin:0}',
    '.send{background:var(--kd-accent);color:var(--kd-on);border:0;border-radius:10px;padding:0 12px;height:42px;display:flex;align-items:center;gap:4px;font-weight:600}',
    '.icon{background:transparent;border:0;width:42px;height:42px;border-radius:10px;color:var(--kd-muted);display:flex;align-items:center;justify-content:center}',
    '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}',
    '@media (max-width:520px),(max-height:480px){.panel{inset:0;width:100%;height:100%;border-radius:0;',
    'padding:env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left)}',
    ':host([data-open]) .launcher{display:none}}',
    '@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}'
  ].join('');

  function build() {
    host = h('div', { id: 'kycdesk-widget', 'data-position': POSITION });
    host.style.setProperty('display', 'block', 'important');
    var accent = themeColor(ds.color);
    if (accent) {
      host.style.setProperty('--kd-accent', accent);
      host.style.setProperty('--kd-on', onColor(accent));
    }
    root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT); // constructed sheets work under a strict style-src CSP
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(h('style', { text: CSS_TEXT }));
    }

    badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    launcher = h('button', { type: 'button', class: 'launcher', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', 'aria-controls': 'kd-panel' },
      [icon(ICON_CHAT, 30), badge]);
    launcher.addEventListener('click', function () { if (isOpen) close(); else open(); });

    langBtn = bind(h('button', { type: 'button', class: 'hbtn lang' }), 'text', 'widget-lang-other');
    bind(langBtn, 'aria-label', 'widget-lang-switch');
    langBtn.addEventListener('click', switchLang);
    var closeBtn = bind(h('button', { type: 'button', class: 'close' }, [icon(ICON_CLOSE, 22)]), 'aria-label', 'widget-close');
    closeBtn.addEventListener('click', function () { close(); launcher.focus(); });
    var head = h('div', { class: 'head' }, [
      h('div', { class: 'titles' }, [
        bind(h('h2', { id: 'kd-title' }), 'text', 'widget-title'),
        bind(h('p', { class: 'sub' }), 'text', 'widget-subtitle')
      ]), langBtn, closeBtn
    ]);
    statusEl = h('div', { class: 'status', role: 'status', hidden: true });
    var note = USER ? bind(h('div', { class: 'note' }), 'text', 'widget-signed-in') : null;
    log = h('div', { class: 'log', tabindex: '0' });
    bind(log, 'aria-label', 'widget-title');
    log.addEventListener('scroll', function () { pinned = nearBottom(); if (pinned) jump.hidden = true; });
    // The log stays at the bottom while it shrinks (status line, typing, preview) if it was there.
    if (window.ResizeObserver) new ResizeObserver(keep).observe(log);
    jump = bind(h('button', { type: 'button', class: 'jump', hidden: true }), 'text', 'widget-new-messages');
    jump.addEventListener('click', function () { scrollDown(true); jump.hidden = true; });
    typingEl = h('div', { class: 'typing', hidden: true }, [h('span', { class: 'dots', 'aria-hidden': 'true' }, [h('i'), h('i'), h('i')])]);
    typingEl.appendChild(bind(h('span', { class: 'typing-bot' }), 'text', 'widget-typing'));
    typingEl.appendChild(h('span', { class: 'typing-agent', hidden: true }));

    previewImg = bind(h('img', { alt: '' }), 'alt', 'widget-photo-preview');
    var pvSend = bind(h('button', { type: 'button', class: 'pbtn main' }), 'text', 'widget-photo-send');
    var pvCancel = bind(h('button', { type: 'button', class: 'pbtn' }), 'text', 'widget-photo-cancel');
    pvSend.addEventListener('click', sendPhoto);
    pvCancel.addEventListener('click', function () { clearPreview(); photoBtn.focus(); });
    preview = h('div', { class: 'preview', hidden: true }, [previewImg, pvSend, pvCancel]);

    fileInput = h('input', { type: 'file', accept: 'image/*', capture: 'environment', hidden: true, tabindex: '-1' });
    fileInput.addEventListener('change', function () {
      var f = fileInput.files && fileInput.files[0];
      fileInput.value = '';
      if (f) preparePhoto(f);
    });
    var photoBtn = bind(h('button', { type: 'button', class: 'icon photo' }, [icon(ICON_CAMERA, 22)]), 'aria-label', 'widget-photo');
    bind(photoBtn, 'title', 'widget-photo');
    photoBtn.addEventListener('click', function () { fileInput.click(); });
    input = h('textarea', { rows: '1', autocomplete: 'off', enterkeyhint: 'send' });
    bind(input, 'placeholder', 'widget-placeholder');
    bind(input, 'aria-label', 'widget-input-label');
    input.addEventListener('input', grow);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
    });
    input.addEventListener('input', typingPing);
    sendBtn = h('button', { type: 'submit', class: 'send' }, [icon(ICON_SEND, 18), bind(h('span'), 'text', 'widget-send')]);
    var form = h('form', { class: 'composer', novalidate: true }, [photoBtn, fileInput, input, sendBtn]);
    form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });

    live = h('div', { class: 'sr', 'aria-live': 'polite', 'aria-atomic': 'true' });
    panel = h('div', { class: 'panel', id: 'kd-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'kd-title', hidden: true, lang: lang },
      [head, statusEl, note, h('div', { class: 'wrap' }, [log, jump]), typingEl, preview, form]);
    panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { e.preventDefault(); close(); launcher.focus(); }
    });
    root.appendChild(launcher);
    root.appendChild(panel);
    root.appendChild(live);
    bind(launcher, 'aria-label', 'widget-launcher');
    document.body.appendChild(host);
  }

  function grow() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight + 2, 120) + 'px';
  }
  function keep() { if (pinned) log.scrollTop = log.scrollHeight; }
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 60; }
  function scrollDown(force) {
    if (force || nearBottom()) log.scrollTop = log.scrollHeight; else jump.hidden = false;
  }

  // ---- messages
  function addMsg(who, text, extra) {
    extra = extra || {};
    var stick = nearBottom();
    var bubble = h('div', { class: 'bubble' });
    if (extra.pic) bubble.appendChild(h('img', { class: 'pic', src: extra.pic, alt: t('widget-photo-sent') }));
    if (text) bubble.appendChild(document.createTextNode(text)); // never parsed as HTML
    var el = h('div', { class: 'msg ' + who, 'data-node': extra.node, 'data-client-id': extra.cid }, [
      h('span', { class: 'sr', text: (extra.author || t(who === 'user' ? 'widget-you' : 'widget-bot')) + ': ' }),
      extra.author ? h('div', { class: 'author', 'aria-hidden': 'true', text: extra.author }) : null,
      bubble
    ]);
    if (who === 'sys') el.firstChild.remove();
    (extra.into || log).appendChild(el);
    if (extra.batch || extra.into) return el;
    if (stick || extra.force) log.scrollTop = log.scrollHeight; else jump.hidden = false;
    return el;
  }
  function bubbleText(el) { return el.querySelector('.bubble').textContent; }
  function announce(s) {
    live.textContent = '';
    setTimeout(function () { live.textContent = s; }, 60);
  }
  function notice(text, err) {
    var el = addMsg('sys', text, { force: true });
    if (err) el.classList.add('err');
    announce(text);
    return el;
  }
  /** Removes the quick replies on screen (they are stale); true when one of them had focus. */
  function clearQuick() {
    var had = !!(root.activeElement && root.activeElement.classList.contains('qr'));
    Array.prototype.forEach.call(log.querySelectorAll('.quick'), function (q) { q.remove(); });
    if (had) input.focus();
    return had;
  }
  function addQuick(msgEl, buttons) {
    var group = h('div', { class: 'quick', role: 'group' });
    buttons.forEach(function (b) {
      var btn = h('button', { type: 'button', class: 'qr', 'data-id': b.id, text: b.label });
      btn.addEventListener('click', function (e) {
        // From the keyboard (detail 0): keep focus in the panel and move it to the next buttons.
        // From a finger or mouse: do not focus the text box (it would pop up a phone keyboard).
        focusQuick = e.detail === 0;
        clearQuick(); // moves focus to the text box if the button had it
        if (!focusQuick) input.blur();
        sendButton(b.id, b.label);
      });
      group.appendChild(btn);
    });
    msgEl.appendChild(group);
    return group;
  }
  /** A bot turn: its messages, buttons on the last one(s), announced to screen readers. */
  function renderTurn(turn) {
    hideTyping();
    if (clearQuick()) focusQuick = true;
    var said = [];
    var first = null, top = null, stick = nearBottom();
    // A person answering: the queue is behind the visitor, and their words carry their name.
    if (turn.node !== 'handoff.queued' && st.queue) { st.queue = 0; updateStatus(); }
    lastNode = turn.node || '';
    (turn.messages || []).forEach(function (m) {
      var el = addMsg(m.agent ? 'bot agent' : 'bot', m.text, { node: turn.node, batch: true, author: m.agent });
      top = top || el;
      said.push(m.text);
      if (m.buttons && m.buttons.length) {
        var g = addQuick(el, m.buttons);
        first = first || g.firstChild;
      }
    });
    // Follow the conversation, but never scroll the start of a long answer out of sight.
    if (top && stick) log.scrollTop = Math.min(log.scrollHeight, top.offsetTop - 8);
    else if (top) jump.hidden = false;
    if (said.length) announce(t('widget-bot') + ': ' + said.join('\n'));
    if (!isOpen && said.length) { unread += said.length; updateBadge(); }
    if (focusQuick && first && isOpen) first.focus({ preventScroll: true });
    focusQuick = false;
    sset(NS + 'last:' + visitor, JSON.stringify(turn));
    if (turn.lang && normLang(turn.lang) !== lang) setLang(normLang(turn.lang), true);
  }
  /** The bot messages after the visitor's last message, oldest first. */
  function trailingBot() {
    var out = [];
    for (var el = log.lastElementChild; el; el = el.previousElementSibling) {
      if (el.classList.contains('user')) break;
      if (el.classList.contains('bot')) out.unshift(el);
    }
    return out;
  }
  /** Puts a turn's buttons on the bubbles already showing its texts; false when they differ. */
  function attachTo(turn) {
    var msgs = turn.messages || [];
    var tail = trailingBot().slice(-msgs.length);
    if (!msgs.length || tail.length !== msgs.length) return false;
    for (var i = 0; i < msgs.length; i++) if (bubbleText(tail[i]) !== msgs[i].text) return false;
    clearQuick();
    msgs.forEach(function (m, i) {
      tail[i].setAttribute('data-node', turn.node || '');
      if (m.buttons && m.buttons.length) addQuick(tail[i], m.buttons);
    });
    scrollDown(true);
    return true;
  }
  function renderStart(turn) {
    if (!attachTo(turn)) renderTurn(turn);
    else if (turn.lang && normLang(turn.lang) !== lang) setLang(normLang(turn.lang), true);
  }

  // ---- history
  /** Shows the stored history above anything sent meanwhile (`clear`: replace the log). */
  function restore(clear) {
    if (!visitor) return Promise.resolve();
    restoring = request('GET', convPath('/transcript'), { conv: true }).then(function (r) {
      var entries = (r && r.entries) || [];
      var byCid = {};
      labels().forEach(function (p) { byCid[p[0]] = p[1]; });
      if (clear) log.textContent = '';
      var box = document.createDocumentFragment();
      // mine: sent from this page meanwhile, already on screen. reshow: after a `start` the bot
      // repeats its question, already shown once (since the visitor's last message, in `tail`).
      var shown = 0, mine = false, reshow = false, tail = [];
      entries.forEach(function (e) {
        var text = e.text || '', cid = e.message_id, o = { cid: cid, into: box };
        if (e.kind === 'inbound') {
          mine = !!(cid && seen[cid]);
          markSeen(cid);
          reshow = text === '[start]';
          if (mine || reshow) return;
          var label = cid && byCid[cid];
          if (label) addMsg('user', label, o);
          else if (/^\[photo\b/.test(text)) addMsg('user', t('widget-photo-sent'), o);
          else if (!/^\[button [^\]]*\]$/.test(text)) addMsg('user', text, o);
          else return;
          tail = [];
          shown++;
        } else if ((e.kind === 'outbound' || e.kind === 'agent_message') && text && !mine) {
          if (reshow && tail.indexOf(text) >= 0) return;
          addMsg(e.kind === 'outbound' ? 'bot' : 'bot agent', text, { node: e.node, into: box });
          tail.push(text);
          shown++;
        }
      });
      if (shown) box.insertBefore(h('div', { class: 'divider', text: t('widget-history') }), box.firstChild);
      log.insertBefore(box, log.firstChild);
      var last = jget(NS + 'last:' + visitor);
      needStart = !(last && entries.length && attachTo(last));
      if (last && last.lang && !needStart) setLang(normLang(last.lang), true);
      scrollDown(true);
      restoreFailed = false;
    }, function (err) {
      needStart = true;
      if (lostConversation(err)) {
        forget(); // the start message below begins a new conversation
        return;
      }
      if (identityExpired(err)) { askIdentity(); restoreFailed = true; return; }
      restoreFailed = true;
      problem(err);
    }).then(function () {
      restoring = null;
      if (isOpen && needStart) start();
    });
    return restoring;
  }
  function start() {
    needStart = false;
    return enqueue({ kind: 'start', body: { start: true, lang: lang }, hidden: true });
  }

  // ---- sending
  /** The conversation, created on the server when this browser has none yet. */
  function ensureVisitor() {
    if (visitor) return Promise.resolve(visitor);
    if (creating) return creating;
    creating = request('POST', '/api/v1/conversations', { body: '{}', headers: { 'Content-Type': 'application/json' } }).then(function (c) {
      creating = null;
      visitor = c.conversation_id;
      convToken = c.conversation_token;
      sset(K_VISITOR, JSON.stringify({ id: visitor, token: convToken }));
      connect();
      return visitor;
    }, function (err) {
      creating = null;
      throw err;
    });
    return creating;
  }
  /** This browser's conversation cannot be reached any more (issued elsewhere, another user's,
   *  full, or from an older widget): the next message begins a new one. */
  function lostConversation(err) {
    return (err.status === 403 && /^(conversation_of_another_user|conversation_token_invalid|conversation_token_required)$/.test(err.code)) ||
      (err.status === 404 && err.code === 'bad_conversation_id') || (err.status === 409 && err.code === 'conversation_full');
  }
  function identityExpired(err) {
    return err.status === 403 && err.code === 'identity_expired';
  }
  function forget() {
    visitor = null;
    convToken = null;
    dropSocket();
    try { localStorage.removeItem(K_VISITOR); } catch (e) { delete mem[K_VISITOR]; }
  }
  /** Asks the page for a fresh identity token (once until it answers). A page that does not
   *  answer within half a minute gets the waiting message marked as not sent, with a retry. */
  var identityTimer = null;
  function askIdentity() {
    if (waitingIdentity) return;
    waitingIdentity = true;
    clearTimeout(identityTimer);
    identityTimer = setTimeout(function () {
      if (!waitingIdentity) return;
      waitingIdentity = false;
      st.forbidden = true;
      updateStatus();
      var item = queue.shift();
      if (item) {
        if (item.el) setMeta(item, 'widget-forbidden', true);
        item.done(null);
      }
    }, 30000);
    try { window.dispatchEvent(new CustomEvent('kycdesk:identity-expired')); } catch (e) { /* old browser */ }
  }
  /** The page's fresh identity token. Another user's token begins that user's own conversation. */
  function setIdentity(token) {
    token = String(token || '').trim();
    var user = userOf(token);
    IDENTITY = token;
    waitingIdentity = false;
    clearTimeout(identityTimer);
    if (user !== USER) {
      // Messages typed as the previous user are not sent as the new one.
      queue.splice(0).forEach(function (item) {
        if (item.el) setMeta(item, 'widget-forbidden', true);
        item.done(null);
      });
      USER = user;
      SCOPE = USER ? 'u:' + USER : 'anon';
      K_VISITOR = NS + 'visitor:' + SCOPE;
      K_OPEN = NS + 'open:' + SCOPE;
      held = storedConversation();
      visitor = held ? held.id : null;
      convToken = held ? held.token : null;
      dropSocket();
      if (log) log.textContent = '';
      if (visitor) { restore(true); connect(); } else if (isOpen) start();
      return;
    }
    st.forbidden = false;
    updateStatus();
    if (ws && ws.readyState === 1) sendAuth(ws);
    else reconnectNow();
    if (restoreFailed && !restoring) restore();
    pump();
  }
  function submit() {
    var text = input.value.replace(/\s+$/, '');
    if (!text.trim()) return;
    input.value = '';
    grow();
    sendText(text);
  }
  function sendText(text) {
    var cid = newClientId();
    return enqueue({ kind: 'text', cid: cid, body: { text: text }, shareText: text, el: addMsg('user', text, { cid: cid, force: true }) });
  }
  function sendButton(id, label) {
    var cid = newClientId();
    rememberLabel(cid, label);
    return enqueue({ kind: 'button', cid: cid, body: { button: id }, shareText: label, el: addMsg('user', label, { cid: cid, force: true }) });
  }
  function enqueue(item) {
    item.cid = item.cid || newClientId();
    item.tries = 0;
    markSeen(item.cid);
    return new Promise(function (resolve) {
      item.done = resolve;
      queue.push(item);
      if (item.el) setMeta(item, 'widget-sending');
      pump();
    });
  }
  function setMeta(item, key, err) {
    var old = item.el.querySelector('.meta');
    if (old) old.remove();
    item.el.classList.toggle('failed', !!err);
    if (!key) return;
    // A failure the status line already names (offline, server down) is not repeated here.
    var text = !err ? t(key) : /offline|server-down/.test(key) ? t('widget-not-sent') : t('widget-not-sent') + ' · ' + t(key);
    var meta = h('div', { class: 'meta' + (err ? ' err' : '') }, [h('span', { text: text })]);
    if (err) {
      var retry = h('button', { type: 'button', class: 'link', text: t('widget-retry') });
      retry.addEventListener('click', function () {
        item.tries = 0;
        item.notBefore = 0;
        queue.push(item);
        setMeta(item, 'widget-sending');
        input.focus();
        pump();
      });
      meta.appendChild(retry);
    }
    if (item.kind === 'photo' && key === 'widget-uploading') {
      item.bar = h('progress', { max: '100', value: '0', 'aria-label': t('widget-uploading') });
      meta.appendChild(item.bar);
    }
    item.el.appendChild(meta);
    keep();
  }
  var typingTimer = null;
  /** "… is typing": the bot's own words, or an agent's name when a person is writing. */
  function showTyping(ms, agent) {
    clearTimeout(typingTimer);
    var bot = typingEl.querySelector('.typing-bot'), person = typingEl.querySelector('.typing-agent');
    bot.hidden = !!agent;
    person.hidden = !agent;
    if (agent) person.textContent = t('widget-agent-typing', { agent: agent });
    typingEl.hidden = false;
    typingTimer = setTimeout(hideTyping, ms || 8000);
  }
  function hideTyping() { clearTimeout(typingTimer); typingEl.hidden = true; }

  function deliver(item) {
    return ensureVisitor().then(function () { return send(item); });
  }
  function send(item) {
    if (item.kind === 'photo') {
      return request('POST', convPath('/photo'), {
        body: item.blob, timeout: 120000, conv: true,
        headers: { 'Content-Type': item.type, 'X-Client-Id': item.cid },
        progress: function (p) { if (item.bar) item.bar.value = Math.round(p * 100); }
      });
    }
    var body = { client_id: item.cid };
    for (var k in item.body) body[k] = item.body[k];
    return request('POST', convPath('/messages'), { body: JSON.stringify(body), conv: true, headers: { 'Content-Type': 'application/json' } });
  }
  function pump() {
    if (busy || !queue.length) return;
    if (st.offline || st.rateUntil > Date.now()) return; // resumed by the online event or the timer
    if (waitingIdentity) return; // resumed by KycDesk.setIdentity
    var item = queue[0];
    if (item.notBefore > Date.now()) return; // resumed by its back-off timer
    busy = true;
    item.tries++;
    host.setAttribute('data-busy', '');
    var typingSoon = setTimeout(function () { showTyping(); }, 250);
    if (item.el) setMeta(item, item.kind === 'photo' ? 'widget-uploading' : 'widget-sending');
    deliver(item).then(function (turn) {
      clearTimeout(typingSoon);
      queue.shift();
      st.down = false;
      st.forbidden = false;
      updateStatus();
      if (item.el) setMeta(item, null);
      if (item.onTurn) item.onTurn(turn);
      else if (item.kind === 'start') renderStart(turn);
      else renderTurn(turn);
      item.done(turn);
      share({ k: item.cid, user: item.hidden ? null : item.shareText, turn: turn, start: item.kind === 'start' });
    }, function (err) {
      clearTimeout(typingSoon);
      hideTyping();
      if (err.status === 429) {
        st.rateUntil = Date.now() + (err.wait || 2) * 1000;
        tick();
      } else if (err.status === 0 && navigator.onLine === false) {
        st.offline = true;
        updateStatus();
      } else if ((err.status === 0 || err.status >= 500 || err.status === 408) && item.tries < 4) {
        if (err.status === 0 || err.status === 502 || err.status === 504) st.down = true;
        updateStatus();
        var delay = 1000 * Math.pow(2, item.tries - 1) * (0.75 + Math.random() / 2);
        item.notBefore = Date.now() + delay;
        setTimeout(pump, delay + 10);
      } else if (identityExpired(err)) {
        // Kept at the head of the queue: sent again once the page hands over a fresh token.
        item.tries = 0;
        if (item.el) setMeta(item, 'widget-sending');
        askIdentity();
      } else if (lostConversation(err)) {
        queue.shift();
        item.done(null);
        return fresh();
      } else {
        queue.shift();
        problem(err, item);
        if (item.el) setMeta(item, problemKey(err, item.kind), true);
        else if (item.kind === 'start') needStart = true;
        item.done(null);
      }
    }).then(function () {
      busy = false;
      if (!queue.length) host.removeAttribute('data-busy');
      pump();
    });
  }
  function problemKey(err, kind) {
    if (err.status === 0) return navigator.onLine === false ? 'widget-offline' : 'widget-server-down';
    if (err.status === 413) return kind === 'photo' ? 'widget-photo-too-large' : 'widget-too-long';
    if (err.status === 415) return 'widget-photo-wrong-type';
    if (err.status === 403) return 'widget-forbidden';
    if (err.status >= 500) return 'widget-server-down';
    return 'widget-error';
  }
  function problem(err, item) {
    if (err.status === 403) st.forbidden = true;
    else if (err.status === 0 || err.status >= 500) st.down = true;
    updateStatus();
    if (!item || !item.el) return;
    announce(t(problemKey(err, item.kind)));
  }
  /** This browser's conversation belongs to someone else (a different signed-in user): begin anew. */
  function fresh() {
    forget();
    log.textContent = '';
    start();
  }

  // ---- photos
  function preparePhoto(file) {
    if (PHOTO_TYPES.indexOf(file.type) < 0) return notice(t('widget-photo-wrong-type'), true);
    if (file.size > MAX_PHOTO) return notice(t('widget-photo-too-large'), true);
    clearPreview();
    pendingPhoto = { blob: file, type: file.type, url: URL.createObjectURL(file) };
    previewImg.src = pendingPhoto.url;
    preview.hidden = false;
    preview.querySelector('.main').focus();
  }
  function clearPreview() {
    if (pendingPhoto) URL.revokeObjectURL(pendingPhoto.url);
    preview.hidden = true;
    previewImg.removeAttribute('src');
    pendingPhoto = null;
  }
  function sendPhoto() {
    var p = pendingPhoto;
    if (!p) return;
    preview.hidden = true;
    pendingPhoto = null;
    var cid = newClientId();
    rememberLabel(cid, t('widget-photo-sent'));
    root.querySelector('.photo').focus();
    return enqueue({ kind: 'photo', cid: cid, blob: p.blob, type: p.type, shareText: t('widget-photo-sent'),
      el: addMsg('user', '', { cid: cid, pic: p.url, force: true }) });
  }

  // ---- status line
  var tickTimer = null;
  function tick() {
    clearTimeout(tickTimer);
    updateStatus();
    if (st.rateUntil > Date.now()) tickTimer = setTimeout(tick, 1000);
    else { st.rateUntil = 0; updateStatus(); pump(); }
  }
  function updateStatus() {
    if (!statusEl) return;
    var msg = '', bad = true;
    var wait = Math.ceil((st.rateUntil - Date.now()) / 1000);
    if (st.offline) msg = t('widget-offline');
    else if (st.forbidden) msg = t('widget-forbidden');
    else if (wait > 0) { msg = t('widget-rate-limited', { seconds: wait }); bad = false; }
    else if (st.down) msg = t('widget-server-down');
    else if (st.reconnecting) { msg = t('widget-reconnecting'); bad = false; }
    else if (st.queue > 0) {
      msg = st.wait > 0 ? t('widget-queue-wait', { position: st.queue, minutes: st.wait }) : t('widget-queue', { position: st.queue });
      bad = false;
    }
    statusEl.hidden = !msg;
    statusEl.className = 'status' + (bad ? ' bad' : '');
    if (statusEl.textContent !== msg) statusEl.textContent = msg;
    host.setAttribute('data-status', st.offline ? 'offline' : st.forbidden ? 'forbidden' : wait > 0 ? 'rate-limited' :
      st.down ? 'down' : st.reconnecting ? 'reconnecting' : 'ok');
  }
  function updateBadge() {
    if (!badge) return;
    badge.hidden = !unread;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    launcher.setAttribute('aria-label', t('widget-launcher') + (unread ? ' · ' + t('widget-unread', { count: unread }) : ''));
  }

  // ---- pushes
  var ws = null, wsTries = 0, wsTimer = null, wsEverReady = false, wsReady = false, lastNode = '', typingSent = 0;
  /** While a person holds the conversation, tells them the visitor is typing (at most every 3 s). */
  function typingPing() {
    if (!ws || !wsReady || lastNode.indexOf('handoff.') !== 0) return;
    var now = Date.now();
    if (now - typingSent < 3000) return;
    typingSent = now;
    try { ws.send('{"type":"typing"}'); } catch (e) { /* closing: nothing to tell */ }
  }
  function connect() {
    if (ws || !visitor || !window.WebSocket) return;
    clearTimeout(wsTimer);
    if (navigator.onLine === false) { st.offline = true; updateStatus(); return; }
    if (waitingIdentity) return;
    var url = API.replace(/^http/, 'ws') + convPath('/ws');
    var sock;
    try { sock = new WebSocket(url); } catch (e) { return retryConnect(); }
    ws = sock;
    sock.onopen = function () { sendAuth(sock); };
    sock.onmessage = function (e) { onPush(e.data, sock); };
    sock.onclose = function () {
      if (ws === sock) { ws = null; wsReady = false; }
      retryConnect();
    };
  }
  function retryConnect() {
    clearTimeout(wsTimer);
    if (!visitor) return;
    var base = Math.min(30000, 1000 * Math.pow(2, wsTries++));
    st.reconnecting = wsTries > 1;
    if (wsTries > 4) st.down = true;
    updateStatus();
    wsTimer = setTimeout(connect, base / 2 + Math.random() * base / 2);
  }
  function dropSocket() {
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
  }
  function reconnectNow() { wsTries = 0; if (!ws) connect(); }
  /** The socket's first frame (and a fresh identity later): the secrets never go in its URL. */
  function sendAuth(sock) {
    var frame = { type: 'auth', conversation_token: convToken || '' };
    if (IDENTITY) frame.identity = IDENTITY;
    try { sock.send(JSON.stringify(frame)); } catch (e) { /* closing: onclose reconnects */ }
  }
  function onReady() {
    wsReady = true;
    var again = wsEverReady;
    wsEverReady = true;
    wsTries = 0;
    st.reconnecting = false;
    st.down = false;
    updateStatus();
    if (restoreFailed && !restoring) restore();
    else if (again && !restoring) catchUp();
    else if (isOpen && needStart && !restoring) start();
    pump();
  }
  /** After a reconnect: turns pushed while the socket was down are in the history. */
  function catchUp() {
    request('GET', convPath('/transcript'), { conv: true }).then(function (r) {
      var entries = (r && r.entries) || [];
      var known = {};
      Array.prototype.forEach.call(log.querySelectorAll('.msg.bot .bubble'), function (b) { known[b.textContent] = 1; });
      var fresh = [], mine = false;
      entries.forEach(function (e) {
        if (e.kind === 'inbound') { mine = !!(e.message_id && seen[e.message_id]); fresh = []; return; }
        if ((e.kind === 'outbound' || e.kind === 'agent_message') && e.text && !mine && !known[e.text]) fresh.push(e);
      });
      fresh.forEach(function (e) { addMsg(e.kind === 'outbound' ? 'bot' : 'bot agent', e.text, { node: e.node }); });
    }, function () { /* the next push or reload shows it */ });
  }
  function onPush(data, sock) {
    var f;
    try { f = JSON.parse(data); } catch (e) { return; }
    if (f.type === 'ready') return onReady();
    if (f.type === 'error' && f.code === 'identity_expired') {
      if (sock) sock.onclose = null;
      if (ws === sock) ws = null;
      return askIdentity();
    }
    // Refusals that reconnecting cannot cure: a bad identity, too many tabs.
    if (f.type === 'error' && (/^identity_/.test(f.code) || f.code === 'too_many_sockets')) {
      if (sock) sock.onclose = null;
      if (ws === sock) ws = null;
      if (f.code !== 'too_many_sockets') { st.forbidden = true; updateStatus(); }
      return;
    }
    if (f.type === 'error' && lostConversation({ status: f.code === 'bad_conversation_id' ? 404 : f.code === 'conversation_full' ? 409 : 403, code: f.code })) {
      if (sock) sock.onclose = null;
      if (ws === sock) ws = null;
      return;
    }
    if (f.type === 'turn' && f.turn) {
      var k = f.client_id || (f.id != null ? 'p' + f.id : null);
      if (k && seen[k]) return;
      markSeen(k);
      renderTurn(f.turn);
      share({ k: k, turn: f.turn });
    } else if (f.type === 'typing') showTyping(6000, typeof f.agent === 'string' ? f.agent.slice(0, 64) : '');
    else if (f.type === 'queue') {
      st.queue = Number(f.position) || 0;
      st.wait = f.wait_minutes == null ? 0 : Number(f.wait_minutes) || 0;
      updateStatus();
    }
  }

  // ---- other tabs
  /** Tells the visitor's other tabs. The key is removed at once: the `storage` event has fired
   *  by then, and a typed message (which may hold an ID number) does not stay in localStorage. */
  function share(ev) {
    ev.v = visitor;
    ev.n = rand(4);
    try {
      localStorage.setItem(K_EVENT, JSON.stringify(ev));
      localStorage.removeItem(K_EVENT);
    } catch (e) { /* no storage: other tabs catch up on reload */ }
  }
  function onStorage(e) {
    if (e.key === K_EVENT && e.newValue) {
      var ev;
      try { ev = JSON.parse(e.newValue); } catch (x) { return; }
      if (!ev || ev.v !== visitor || (ev.k && seen[ev.k])) return;
      markSeen(ev.k);
      if (ev.user) addMsg('user', ev.user, { cid: ev.k });
      if (ev.turn) { if (ev.start) renderStart(ev.turn); else renderTurn(ev.turn); }
    } else if (e.key === K_VISITOR && e.newValue) {
      var c;
      try { c = JSON.parse(e.newValue); } catch (x) { return; }
      if (!c || c.id === visitor || typeof c.token !== 'string') return;
      visitor = c.id;
      convToken = c.token;
      dropSocket();
      connect();
      restore(true);
    } else if (e.key === K_LANG && normLang(e.newValue) && normLang(e.newValue) !== lang) {
      setLang(normLang(e.newValue), false);
    }
  }

  // ---- language switch
  function switchLang() {
    var target = lang === 'zh-CN' ? 'en' : 'zh-CN';
    var loaded = setLang(target, true);
    if (!visitor) return loaded;
    // Ask the bot to continue in the new language: a start message with `lang` re-shows the
    // current question; a server that keeps the old language gets the language's name as text.
    return loaded.then(function () {
      return enqueue({ kind: 'start', body: { start: true, lang: target }, hidden: true, onTurn: function (turn) {
        if (normLang(turn.lang) === target || !turn.lang) return renderStart(turn);
        sendText(t('widget-lang-name'));
      } });
    });
  }

  // ---- open / close
  function open() {
    if (isOpen) return;
    isOpen = true;
    panel.hidden = false;
    host.setAttribute('data-open', '');
    launcher.setAttribute('aria-expanded', 'true');
    tabSet(K_OPEN, '1');
    unread = 0;
    updateBadge();
    if (!visitor) needStart = true;
    if (!restoring && needStart) start();
    scrollDown(true);
    // Focus moves into the panel; on touch screens to the log, so no keyboard covers the chat.
    var coarse = window.matchMedia && matchMedia('(pointer: coarse)').matches;
    setTimeout(function () { (coarse ? log : input).focus({ preventScroll: true }); }, 30);
  }
  function close() {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    host.removeAttribute('data-open');
    launcher.setAttribute('aria-expanded', 'false');
    tabSet(K_OPEN, '');
  }

  function boot() {
    build();
    applyTexts();
    loadTexts(lang);
    window.addEventListener('storage', onStorage);
    window.addEventListener('online', function () { st.offline = false; updateStatus(); reconnectNow(); pump(); });
    window.addEventListener('offline', function () { st.offline = true; updateStatus(); });
    document.addEventListener('visibilitychange', function () { if (!document.hidden) reconnectNow(); });
    window.addEventListener('kycdesk:open', open);
    if (visitor) { restore(); connect(); }
    if (tabGet(K_OPEN)) open();
  }

  window.KycDesk = { version: 2, open: open, close: close, setIdentity: setIdentity,
    toggle: function () { if (isOpen) close(); else open(); } };
  if (document.body) boot(); else document.addEventListener('DOMContentLoaded', boot);
})();
