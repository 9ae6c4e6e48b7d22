/*!
 * kycdesk agent console: a single-page app in plain JS (ES2020), no framework, no build step.
 * It speaks the console API under /console/api (JSON over HTTP, live frames over a WebSocket).
 *
 * Stable hooks for browser tests (ids unless noted):
 *   Sign-in        #login-view, #login-form, #login, #password, #login-submit, #login-error
 *   Top bar        #app-view, #presence (select: online|away), #agents-online, #live-status
 *                  (shown while reconnecting), #logout, #help-open, .lang-switch, #me-name,
 *                  .nav-btn[data-page=desk|agents|audit]
 *   Errors         #error-banner (role=alert; class .info for confirmations) with the message in
 *                  #error-text; #error-close. A ticket action's error (403/409/400) is shown in it
 *                  inline just above the action buttons (class .inline); others float at the top.
 *   Queue          #queue, rows .queue-row[data-ticket="t_…"][data-status][data-priority]
 *                  (aria-selected="true" on the open one); inside a row: .pos (queued only), .wait,
 *                  .badge-high, .cause, .status (unless queued), .lang, .channel, .agent, .unread, .preview
 *                  filters .filter-btn[data-filter=mine|queued|all] (aria-pressed), #queue-search
 *   Conversation   #ticket-pane[data-ticket], #ticket-title, #ticket-status, #card (the handoff
 *                  card, a <dl>; each row .card-row[data-field=…]), #sensitive-warning,
 *                  #neutral-wording, #transcript, lines .entry[data-kind=user|bot|agent|note|event]
 *                  [data-seq], #user-typing
 *   Actions        #claim, #transfer, #assign (admin), #refresh-case, #hand-back, #resolve,
 *                  #reply-text, #send, #canned, #canned-list (items .canned-item), #note-text,
 *                  #add-note
 *   Dialogs        #overlay; #help; #pick-agent with #pick-select, #pick-confirm, #pick-error;
 *                  #pw-dialog with #pw-new, #pw-confirm
 *   Admin          #page-agents, #agents-table rows tr[data-login], buttons .agent-disable,
 *                  .agent-enable, .agent-password; #agent-add-form (#new-login, #new-name,
 *                  #new-password, #new-role, #new-capacity, input[name=lang]), #agent-add,
 *                  #agent-form-error; #page-audit, #audit-table rows tr[data-seq], #audit-more,
 *                  #audit-end, #audit-csv
 *
 * Safety: everything that comes from the server is text. The DOM is built with createElement and
 * textContent only (never innerHTML), so a user's "<script>" shows as those characters. Masked
 * values arrive masked and are shown as they are. The strict CSP allows no inline code or style
 * attributes, so state is shown through classes and the `hidden` attribute.
 */
(function () {
  'use strict';

  const API = '/console/api';
  const LANG_KEY = 'kycdesk.console.lang';
  const FILTER_KEY = 'kycdesk.console.filter';
  const POLL_MS = 5000;
  const TYPING_PING_MS = 3000;
  const TYPING_SHOW_MS = 6000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const AUDIT_PAGE = 50;
  const MAX_TEXT = 4000;
  const BANNER_MS = 12000;
  const LOGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

  // ---------------------------------------------------------------- texts (both languages)
  const TEXTS = {
    en: {
      app_title: 'kycdesk console', login_name: 'Login', password: 'Password', sign_in: 'Sign in',
      sign_out: 'Sign out', signing_in: 'Signing in…',
      bad_credentials: 'Wrong login or password.',
      locked: 'Too many attempts: locked, try again in {min} min.',
      session_ended: 'Your session has ended. Please sign in again.',
      login_missing: 'Enter your login and password.',
      nav_label: 'Pages', nav_desk: 'Tickets', nav_agents: 'Agents', nav_audit: 'Audit log',
      agents_online: 'Agents online', presence: 'Presence', presence_online: 'Online', presence_away: 'Away',
      reconnecting: 'Reconnecting…', shortcuts_title: 'Keyboard shortcuts', close: 'Close',
      queue_title: 'Queue', filter_label: 'Show', filter_mine: 'Mine', filter_queued: 'Queued', filter_all: 'All',
      search_label: 'Search tickets', search_placeholder: 'Filter (/)', queue_empty: 'No tickets here.',
      conversation_label: 'Conversation', pick_ticket: 'Pick a ticket on the left.',
      do_not_tell: 'Do not tell the user',
      do_not_tell_explain: 'The real reason must not be shared with the user. Use this wording instead:',
      card_title: 'Handoff card', transcript_label: 'Transcript', user_typing: 'User is typing…',
      actions_label: 'Ticket actions', claim: 'Claim', transfer: 'Transfer', assign: 'Reassign',
      refresh_case: 'Refresh case status', hand_back: 'Hand back to bot', resolve: 'Resolve',
      reply_label: 'Reply to the user', reply_placeholder: 'Reply to the user (Enter sends, Shift+Enter new line)',
      canned: 'Canned replies', send: 'Send', note_label: 'Internal note',
      note_placeholder: 'Internal note, only agents see it (Enter adds)', note_hint: 'Only agents see notes.',
      add_note: 'Add note', canned_empty: 'No canned replies for this cause and language.', loading: 'Loading…',
      col_login: 'Login', col_name: 'Name', col_role: 'Role', col_languages: 'Languages', col_presence: 'Presence',
      col_open: 'Open', col_actions: 'Actions', add_agent: 'Add an agent', add_agent_submit: 'Add agent',
      role_agent: 'Agent', role_admin: 'Admin', capacity: 'Capacity', export_csv: 'Export CSV',
      col_time: 'Time', col_actor: 'Actor', col_action: 'Action', col_ticket: 'Ticket', col_subject: 'Subject',
      col_detail: 'Detail', audit_end: 'End of the log.', load_more: 'Load more',
      pick_agent: 'Agent', no_agents_for_lang: 'No other agent serving this language is online.',
      cancel: 'Cancel', confirm: 'Confirm', new_password: 'New password',
      transfer_title: 'Transfer {id} to', assign_title: 'Reassign {id} to', password_title: 'New password for {login}',
      disable: 'Disable', enable: 'Enable', reset_password: 'Reset password', disabled: 'disabled',
      agent_added: 'Agent {login} added.', password_changed: 'Password changed for {login}.',
      form_incomplete: 'Fill in every field: login of 1–32 lowercase letters, digits, . _ -; password of at least 12 characters; at least one language; capacity 1–50.',
      password_short: 'The password needs at least 12 characters.',
      internal_note: 'Internal note — the user never sees this', who_user: 'User', who_bot: 'Bot', who_agent: 'Agent',
      who_event: 'Event', you: 'you',
      f_reason: 'Why escalated', f_priority: 'Priority', f_causes: 'Causes', f_case: 'Case',
      f_remedies: 'Remedies tried', f_answers: 'Answers', f_findings: 'Photo findings', f_lang: 'Language',
      f_channel: 'Channel', f_user: 'Linked user', f_waiting: 'Waiting', f_agent: 'Agent', f_left_message: 'Left message',
      none: 'none', no_case: 'No case found', case_updated: 'updated {at}', case_fetched: 'checked {at}',
      linked_yes: 'Signed-in user', linked_no: 'Not signed in',
      priority_high: 'High', priority_normal: 'Normal', badge_high: 'Priority',
      unread: '{n} unread', position: 'Place {n} in queue', unassigned: 'unassigned',
      text_too_long: 'The text is too long ({n}/{max}).',
      err_network: 'The server cannot be reached. Check the connection and try again.',
      err_http: 'The server answered with an error ({status}).',
      case_refreshed: 'Case status refreshed.', transferred: 'Ticket transferred.', assigned: 'Ticket reassigned.',
      resolved: 'Ticket resolved.', handed_back: 'Ticket handed back to the bot.',
      sc_next: 'Next ticket', sc_prev: 'Previous ticket', sc_claim: 'Claim', sc_reply: 'Focus the reply box',
      sc_note: 'Focus the note box', sc_send: 'Send (reply or note)', sc_resolve: 'Resolve', sc_hand_back: 'Hand back to bot',
      sc_transfer: 'Transfer', sc_filter: 'Filter the queue', sc_help: 'This help', sc_close: 'Close an overlay',
    },
    'zh-CN': {
      app_title: 'kycdesk 客服台', login_name: '账号', password: '密码', sign_in: '登录',
      sign_out: '退出登录', signing_in: '正在登录…',
      bad_credentials: '账号或密码错误。',
      locked: '尝试次数过多，已锁定，请 {min} 分钟后再试。',
      session_ended: '登录已失效，请重新登录。',
      login_missing: '请输入账号和密码。',
      nav_label: '页面', nav_desk: '工单', nav_agents: '客服管理', nav_audit: '审计日志',
      agents_online: '在线客服', presence: '状态', presence_online: '在线', presence_away: '离开',
      reconnecting: '正在重新连接…', shortcuts_title: '键盘快捷键', close: '关闭',
      queue_title: '队列', filter_label: '显示', filter_mine: '我的', filter_queued: '排队中', filter_all: '全部',
      search_label: '搜索工单', search_placeholder: '筛选 (/)', queue_empty: '暂无工单。',
      conversation_label: '对话', pick_ticket: '请在左侧选择一个工单。',
      do_not_tell: '不要告诉用户',
      do_not_tell_explain: '真实原因不能透露给用户。请改用以下说法：',
      card_title: '转人工信息卡', transcript_label: '对话记录', user_typing: '用户正在输入…',
      actions_label: '工单操作', claim: '认领', transfer: '转给他人', assign: '重新分配',
      refresh_case: '刷新案件状态', hand_back: '交还机器人', resolve: '解决',
      reply_label: '回复用户', reply_placeholder: '回复用户（Enter 发送，Shift+Enter 换行）',
      canned: '快捷回复', send: '发送', note_label: '内部备注',
      note_placeholder: '内部备注，仅客服可见（Enter 添加）', note_hint: '备注仅客服可见。',
      add_note: '添加备注', canned_empty: '此原因和语言暂无快捷回复。', loading: '加载中…',
      col_login: '账号', col_name: '姓名', col_role: '角色', col_languages: '语言', col_presence: '状态',
      col_open: '处理中', col_actions: '操作', add_agent: '添加客服', add_agent_submit: '添加',
      role_agent: '客服', role_admin: '管理员', capacity: '同时接待上限', export_csv: '导出 CSV',
      col_time: '时间', col_actor: '操作人', col_action: '动作', col_ticket: '工单', col_subject: '对象',
      col_detail: '详情', audit_end: '已到日志末尾。', load_more: '加载更多',
      pick_agent: '客服', no_agents_for_lang: '没有其他服务该语言的在线客服。',
      cancel: '取消', confirm: '确定', new_password: '新密码',
      transfer_title: '将 {id} 转给', assign_title: '将 {id} 重新分配给', password_title: '为 {login} 设置新密码',
      disable: '停用', enable: '启用', reset_password: '重置密码', disabled: '已停用',
      agent_added: '已添加客服 {login}。', password_changed: '已为 {login} 修改密码。',
      form_incomplete: '请填写所有字段：账号为 1–32 位小写字母、数字或 . _ -；密码至少 12 个字符；至少选择一种语言；接待上限 1–50。',
      password_short: '密码至少需要 12 个字符。',
      internal_note: '内部备注 — 用户看不到此内容', who_user: '用户', who_bot: '机器人', who_agent: '客服',
      who_event: '事件', you: '我',
      f_reason: '转人工原因', f_priority: '优先级', f_causes: '失败原因', f_case: '案件',
      f_remedies: '已尝试的办法', f_answers: '用户回答', f_findings: '照片检测结果', f_lang: '语言',
      f_channel: '渠道', f_user: '关联用户', f_waiting: '等待时长', f_agent: '客服', f_left_message: '留言',
      none: '无', no_case: '未找到案件', case_updated: '更新于 {at}', case_fetched: '查询于 {at}',
      linked_yes: '已登录用户', linked_no: '未登录',
      priority_high: '高', priority_normal: '普通', badge_high: '优先',
      unread: '{n} 条未读', position: '队列第 {n} 位', unassigned: '未分配',
      text_too_long: '内容过长（{n}/{max}）。',
      err_network: '无法连接服务器，请检查网络后重试。',
      err_http: '服务器返回错误（{status}）。',
      case_refreshed: '案件状态已刷新。', transferred: '工单已转出。', assigned: '工单已重新分配。',
      resolved: '工单已解决。', handed_back: '工单已交还机器人。',
      sc_next: '下一个工单', sc_prev: '上一个工单', sc_claim: '认领', sc_reply: '聚焦回复框',
      sc_note: '聚焦备注框', sc_send: '发送（回复或备注）', sc_resolve: '解决', sc_hand_back: '交还机器人',
      sc_transfer: '转给他人', sc_filter: '筛选队列', sc_help: '本帮助', sc_close: '关闭弹窗',
    },
  };

  // Labels for codes the server sends; an unknown code is shown as it is.
  const LABELS = {
    en: {
      cause: {
        photo_quality: 'Photo quality', info_mismatch: 'Information mismatch', document_expired: 'Document expired',
        face_liveness: 'Face / liveness', video_device: 'Camera / device', sms_code: 'SMS code',
        unsupported_document: 'Unsupported document', duplicate_account: 'Duplicate account',
        prior_violation: 'Prior violation', underage: 'Underage', network: 'Network', maintenance: 'Maintenance',
        verification_failed: 'Verification failed', other: 'Other',
      },
      reason: {
        asked: 'User asked for a person', not_helped: 'Bot did not help', not_understood: 'Bot did not understand',
        angry: 'User is upset', sensitive: 'Sensitive case', appeal: 'Appeal', flow: 'Flow sent it to an agent',
      },
      priority_reason: { appeal: 'appeal', sensitive: 'sensitive' },
      status: { queued: 'Queued', assigned: 'Assigned', left_message: 'Left a message', closed: 'Closed' },
      channel: { widget: 'Web', telegram: 'Telegram', terminal: 'Terminal' },
      lang: { 'zh-CN': 'Chinese', en: 'English' },
      presence: { online: 'online', away: 'away', offline: 'offline' },
      role: { agent: 'Agent', admin: 'Admin' },
      case_status: { rejected: 'rejected', approved: 'approved', pending: 'pending', in_review: 'in review', resubmit: 'resubmit requested' },
    },
    'zh-CN': {
      cause: {
        photo_quality: '照片质量', info_mismatch: '信息不一致', document_expired: '证件过期',
        face_liveness: '人脸/活体', video_device: '摄像头/设备', sms_code: '短信验证码',
        unsupported_document: '证件不支持', duplicate_account: '重复账户',
        prior_violation: '历史违规', underage: '未成年', network: '网络', maintenance: '系统维护',
        verification_failed: '认证失败', other: '其他',
      },
      reason: {
        asked: '用户要求人工', not_helped: '机器人未解决', not_understood: '机器人未理解',
        angry: '用户情绪激动', sensitive: '敏感情况', appeal: '申诉', flow: '流程转人工',
      },
      priority_reason: { appeal: '申诉', sensitive: '敏感' },
      status: { queued: '排队中', assigned: '处理中', left_message: '已留言', closed: '已关闭' },
      channel: { widget: '网页', telegram: 'Telegram', terminal: '终端' },
      lang: { 'zh-CN': '中文', en: '英文' },
      presence: { online: '在线', away: '离开', offline: '离线' },
      role: { agent: '客服', admin: '管理员' },
      case_status: { rejected: '已拒绝', approved: '已通过', pending: '处理中', in_review: '审核中', resubmit: '需重新提交' },
    },
  };

  // Server messages are English; a Chinese page says what an error code means in Chinese first.
  const ERRORS_ZH = {
    already_claimed: '该工单已被其他客服认领', language: '语言不匹配：该客服（或您）不服务此工单的语言',
    closed: '工单已关闭', capacity: '已达到同时接待上限', not_yours: '该工单不在您名下',
    no_such_agent: '没有这个客服', forbidden: '只有管理员可以这样做', empty: '内容不能为空',
    too_long: '内容过长（最多 4000 字）', not_found: '找不到该工单', csrf: '页面已过期，请刷新后重试',
    no_session: '登录已失效',
  };

  // ---------------------------------------------------------------- state
  const S = {
    lang: 'en',
    me: null, csrf: '',
    tickets: [],              // QueueEntry[], in the server's order, each with _at (local receipt ms)
    agentsOnline: 0,
    filter: 'all', search: '',
    selected: null,           // ticket id shown on the right
    view: null,               // TicketView of the selected ticket
    lastSeq: 0,
    loadToken: 0,
    ws: null, backoff: BACKOFF_MIN_MS, reconnectTimer: 0, pollTimer: 0, live: false,
    typingTimer: 0, lastTypingPing: 0,
    canned: new Map(),        // "lang|cause" -> replies
    agents: [],
    page: 'desk',
    audit: { after: 0, done: false, loading: false },
    pick: null,               // {mode: 'transfer'|'assign', ticket}
    pwLogin: null,
    bannerTimer: 0,
  };

  // ---------------------------------------------------------------- small helpers
  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    const table = TEXTS[S.lang] || TEXTS.en;
    let s = table[key] != null ? table[key] : (TEXTS.en[key] != null ? TEXTS.en[key] : key);
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] != null ? String(vars[k]) : m));
    return s;
  }

  function label(kind, code) {
    if (code == null) return '';
    const l = (LABELS[S.lang] || LABELS.en)[kind];
    return (l && l[code]) || String(code);
  }

  /** Builds an element; children are nodes or strings (strings become text nodes, never HTML). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else if (k === 'dataset') Object.assign(node.dataset, v);
        else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c == null || c === false) continue;
      node.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function show(node, yes) { if (node) node.hidden = !yes; }

  function fmtDuration(secs) {
    const s = Math.max(0, Math.floor(secs || 0));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, '0');
    return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
  }

  function fmtTime(iso, withDate) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso ? String(iso) : '';
    const opts = withDate
      ? { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { hour: '2-digit', minute: '2-digit' };
    return d.toLocaleString(S.lang === 'zh-CN' ? 'zh-CN' : 'en-GB', opts);
  }

  function isEditable(node) {
    return !!node && (node.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(node.tagName));
  }

  function sget(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function sset(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode: not remembered */ } }

  // ---------------------------------------------------------------- errors and the banner
  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status; this.code = code; this.body = body || {};
    }
  }

  /**
   * One banner for errors and confirmations. A ticket action's answer is shown inline, just above
   * the action buttons, where the agent is looking; anything else floats at the top of the page.
   */
  function showBanner(message, kind, inline) {
    const banner = $('error-banner');
    const actions = document.querySelector('#ticket-pane .actions');
    if (inline && actions && !$('ticket-pane').hidden) {
      if (banner.nextElementSibling !== actions) actions.before(banner);
    } else if (banner.parentElement !== document.body || banner !== document.body.firstElementChild) {
      document.body.prepend(banner);
    }
    banner.classList.toggle('inline', !!(inline && banner.nextElementSibling === actions));
    $('error-text').textContent = message;
    banner.classList.toggle('info', kind === 'info');
    show(banner, true);
    clearTimeout(S.bannerTimer);
    S.bannerTimer = setTimeout(hideBanner, BANNER_MS);
  }
  function hideBanner() { show($('error-banner'), false); }

  /** Shows what went wrong. A 401 was already handled (back to sign-in), so it says nothing more. */
  function errorText(err) {
    const zh = S.lang === 'zh-CN' && ERRORS_ZH[err.code];
    return zh ? `${zh}（${err.message}）` : err.message;
  }

  function report(err, inline) {
    if (err instanceof ApiError) {
      if (err.status === 401) return;
      showBanner(errorText(err), 'error', inline);
    } else {
      showBanner(t('err_network'), 'error', inline);
      if (window.console) console.error(err); // a bug in this page, not a server answer
    }
  }

  // ---------------------------------------------------------------- HTTP
  async function api(method, path, body, retried) {
    const headers = { accept: 'application/json' };
    const opts = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && S.csrf) headers['x-csrf-token'] = S.csrf;
    let res;
    try {
      res = await fetch(API + path, opts);
    } catch (e) {
      throw new ApiError(0, 'network', t('err_network'));
    }
    let data = null;
    if (res.status !== 204) {
      const type = res.headers.get('content-type') || '';
      if (type.includes('json')) data = await res.json().catch(() => null);
    }
    if (res.ok) return data;

    const code = (data && data.error) || `http_${res.status}`;
    const message = (data && data.message) || t('err_http', { status: res.status });
    if (res.status === 401 && S.me) {
      sessionEnded(t('session_ended'));
    } else if (res.status === 403 && code === 'csrf' && !retried && S.me) {
      // The token may have been rotated in another tab: fetch the current one and try once more.
      const fresh = await api('GET', '/me').catch(() => null);
      if (fresh && fresh.csrf) {
        S.csrf = fresh.csrf;
        return api(method, path, body, true);
      }
    }
    throw new ApiError(res.status, code, message, data);
  }

  const ticketPath = (id, action) => `/tickets/${encodeURIComponent(id)}${action ? '/' + action : ''}`;

  // ---------------------------------------------------------------- language
  function pickLanguage() {
    const saved = sget(LANG_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
    const nav = (navigator.language || '').toLowerCase();
    return nav.startsWith('zh') ? 'zh-CN' : 'en';
  }

  function applyTexts() {
    document.documentElement.lang = S.lang;
    document.title = t('app_title');
    for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
    for (const n of document.querySelectorAll('[data-i18n-label]')) {
      n.setAttribute('aria-label', t(n.dataset.i18nLabel));
      if (n.tagName === 'BUTTON') n.title = t(n.dataset.i18nLabel);
    }
    for (const n of document.querySelectorAll('[data-i18n-placeholder]')) n.placeholder = t(n.dataset.i18nPlaceholder);
    for (const b of document.querySelectorAll('.lang-switch')) {
      b.textContent = S.lang === 'zh-CN' ? 'English' : '中文';
      b.setAttribute('lang', S.lang === 'zh-CN' ? 'en' : 'zh-CN');
    }
    $('live-status').textContent = t('reconnecting');
    renderHelp();
  }

  function switchLanguage() {
    S.lang = S.lang === 'zh-CN' ? 'en' : 'zh-CN';
    sset(LANG_KEY, S.lang);
    applyTexts();
    if (S.me) {
      renderQueue();
      if (S.view) renderTicket();
      if (S.page === 'agents') renderAgentsTable();
      if (S.page === 'audit') { $('audit-table').textContent = ''; S.audit = { after: 0, done: false, loading: false }; loadAudit(); }
    }
  }

  // ---------------------------------------------------------------- sign-in and session
  function showLogin(message) {
    show($('app-view'), false);
    show($('login-view'), true);
    closeOverlay();
    const err = $('login-error');
    err.textContent = message || '';
    show(err, !!message);
    $('password').value = '';
    ($('login').value ? $('password') : $('login')).focus();
  }

  async function onLoginSubmit(ev) {
    ev.preventDefault();
    const login = $('login').value.trim();
    const password = $('password').value;
    const err = $('login-error');
    if (!login || !password) {
      err.textContent = t('login_missing'); show(err, true);
      return;
    }
    const btn = $('login-submit');
    btn.disabled = true;
    btn.textContent = t('signing_in');
    try {
      const data = await api('POST', '/login', { login, password });
      $('password').value = '';
      S.me = data.agent; S.csrf = data.csrf;
      enterApp();
    } catch (e) {
      $('password').value = '';
      let msg;
      if (e.status === 429) {
        const secs = Number(e.body.retry_after_secs) || 60;
        msg = t('locked', { min: Math.max(1, Math.ceil(secs / 60)) });
      } else if (e.status === 401) {
        msg = t('bad_credentials');
      } else {
        msg = e.message || t('err_network');
      }
      err.textContent = msg; show(err, true);
      $('password').focus();
    } finally {
      btn.disabled = false;
      btn.textContent = t('sign_in');
    }
  }

  /** Leaves the console: stops live updates and forgets every ticket shown, then asks to sign in. */
  function sessionEnded(message) {
    const wasIn = !!S.me;
    S.me = null; S.csrf = '';
    stopLive();
    S.tickets = []; S.selected = null; S.view = null; S.agents = []; S.canned.clear();
    $('queue').textContent = ''; $('transcript').textContent = ''; $('card').textContent = '';
    $('reply-text').value = ''; $('note-text').value = ''; $('neutral-wording').textContent = '';
    $('agents-table').textContent = ''; $('audit-table').textContent = '';
    show($('ticket-pane'), false); show($('no-ticket'), true); show($('sensitive-warning'), false);
    closeCanned();
    hideBanner();
    if (location.hash) history.replaceState(null, '', location.pathname);
    if (wasIn || message) showLogin(message);
  }

  async function logout() {
    try { await api('POST', '/logout'); } catch (e) { /* signed out locally either way */ }
    sessionEnded(null);
  }

  function enterApp() {
    show($('login-view'), false);
    show($('app-view'), true);
    const admin = S.me.role === 'admin';
    for (const n of document.querySelectorAll('.admin-only')) show(n, admin);
    $('me-name').textContent = S.me.display_name || S.me.login;
    $('presence').value = 'online';
    setPage('desk');
    renderQueue();
    refreshQueue();
    loadAgents().then(() => {
      const mine = S.agents.find((a) => a.login === S.me?.login);
      if (mine && (mine.presence === 'online' || mine.presence === 'away')) $('presence').value = mine.presence;
    });
    connectLive();
    // A reload keeps the open ticket (its id is in the address fragment, never sent to the server).
    const wanted = location.hash.slice(1);
    if (/^t_[A-Za-z0-9_-]{1,64}$/.test(wanted)) selectTicket(wanted);
  }

  // ---------------------------------------------------------------- queue
  function applyQueue(tickets, agentsOnline) {
    if (!S.me) return; // an answer that arrived after signing out
    const now = Date.now();
    S.tickets = (Array.isArray(tickets) ? tickets : []).map((q) => Object.assign({}, q, { _at: now }));
    if (typeof agentsOnline === 'number') S.agentsOnline = agentsOnline;
    renderQueue();
    if (S.view) {
      const fresh = S.tickets.find((q) => q.id === S.selected);
      if (fresh) {
        const before = S.view.ticket;
        S.view.ticket = Object.assign({}, fresh, { unread: 0 });
        renderTicketHead(); renderActions();
        // Who may act is the server's answer (can_act): ask again when the holder or state moved.
        if (before.status !== fresh.status || before.agent !== fresh.agent) loadTicket(fresh.id, true);
      }
    }
  }

  function applyTicket(q) {
    if (!q || !q.id || !S.me) return;
    const entry = Object.assign({}, q, { _at: Date.now() });
    const i = S.tickets.findIndex((x) => x.id === q.id);
    if (i >= 0) S.tickets[i] = entry; else S.tickets.push(entry);
    renderQueue();
    if (q.id === S.selected) loadTicket(q.id, true); // mine/can_act may have changed: ask the server
  }

  async function refreshQueue() {
    const asked = S.liveQueues = (S.liveQueues || 0);
    try {
      const data = await api('GET', '/queue');
      // A live frame that came while this answer was on its way is newer: keep it.
      if ((S.liveQueues || 0) !== asked) return;
      applyQueue(data.tickets, data.agents_online);
    } catch (e) { if (e.status !== 0) report(e); }
  }

  /** Queued and left-message tickets wait for a person, so their clock runs; others show the server's figure. */
  function waitingSecs(q) {
    if (!q) return 0;
    const base = Number(q.waiting_secs) || 0;
    if (q.status !== 'queued' && q.status !== 'left_message') return base;
    return base + Math.floor((Date.now() - (q._at || Date.now())) / 1000);
  }

  function filtered() {
    const words = S.search.trim().toLowerCase();
    return S.tickets.filter((q) => {
      if (S.filter === 'mine' && !(q.mine && q.status !== 'closed')) return false;
      if (S.filter === 'queued' && q.status !== 'queued' && q.status !== 'left_message') return false;
      if (!words) return true;
      const hay = [q.id, q.preview, q.cause, label('cause', q.cause), q.cause_label, q.agent, q.agent_name, q.lang, q.channel]
        .filter(Boolean).join(' ').toLowerCase();
      return hay.includes(words);
    });
  }

  function causeText(code, serverLabel) {
    if (!code) return serverLabel || '';
    const own = label('cause', code);
    return own !== code ? own : (serverLabel || code);
  }

  function renderQueue() {
    const list = $('queue');
    const rows = filtered();
    const counts = {
      mine: S.tickets.filter((q) => q.mine && q.status !== 'closed').length,
      queued: S.tickets.filter((q) => q.status === 'queued' || q.status === 'left_message').length,
      all: S.tickets.length,
    };
    for (const b of document.querySelectorAll('.filter-btn')) {
      const f = b.dataset.filter;
      b.setAttribute('aria-pressed', String(S.filter === f));
      b.textContent = `${t('filter_' + f)} (${counts[f]})`;
    }
    $('agents-online').textContent = String(S.agentsOnline);
    document.title = counts.queued ? `(${counts.queued}) ${t('app_title')}` : t('app_title');

    const focusedId = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.ticket : null;
    list.textContent = '';
    for (const q of rows) list.append(queueRow(q));
    show($('queue-empty'), rows.length === 0);
    if (focusedId) {
      const again = list.querySelector(`.queue-row[data-ticket="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
  }

  function queueRow(q) {
    const selected = q.id === S.selected;
    const waiting = waitingSecs(q);
    const high = q.priority === 'high';
    const unread = selected ? 0 : Number(q.unread) || 0;
    const row = el('li', {
      class: 'queue-row' + (selected ? ' selected' : '') + (q.mine ? ' mine' : '') + (high ? ' high' : ''),
      role: 'option', tabindex: '0', 'aria-selected': String(selected),
      dataset: { ticket: q.id, status: q.status || '', priority: q.priority || 'normal' },
    },
    el('div', { class: 'row-top' },
      q.position != null ? el('span', { class: 'pos', title: t('position', { n: q.position }) }, `#${q.position}`) : null,
      el('span', { class: 'cause' }, causeText(q.cause, q.cause_label)),
      el('span', { class: 'wait' + (waiting >= 300 && q.status === 'queued' ? ' long' : ''), dataset: { ticket: q.id } }, fmtDuration(waiting))),
    el('div', { class: 'row-meta' },
      high ? el('span', { class: 'badge badge-high' },
        t('badge_high') + (q.priority_reason ? ` · ${label('priority_reason', q.priority_reason)}` : '')) : null,
      q.status !== 'queued' ? el('span', { class: 'status', dataset: { status: q.status || '' } }, label('status', q.status)) : null,
      el('span', { class: 'lang' }, label('lang', q.lang)),
      el('span', { class: 'channel' }, label('channel', q.channel)),
      el('span', { class: 'agent' }, q.agent ? (q.mine ? `${q.agent_name || q.agent} (${t('you')})` : (q.agent_name || q.agent)) : t('unassigned')),
      unread > 0 ? el('span', { class: 'unread', title: t('unread', { n: unread }), 'aria-label': t('unread', { n: unread }) }, String(unread)) : null),
    q.preview ? el('div', { class: 'preview' }, q.preview) : null);
    row.addEventListener('click', () => selectTicket(q.id));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); selectTicket(q.id); }
    });
    return row;
  }

  /** Waiting times run here between server updates, so the page needs no request per second. */
  function tick() {
    if (!S.me) return;
    for (const w of document.querySelectorAll('#queue .wait')) {
      const q = S.tickets.find((x) => x.id === w.dataset.ticket);
      if (!q) continue;
      const secs = waitingSecs(q);
      w.textContent = fmtDuration(secs);
      w.classList.toggle('long', secs >= 300 && q.status === 'queued');
    }
    const cw = document.querySelector('#card .wait');
    if (cw && S.view) {
      const q = S.tickets.find((x) => x.id === S.selected) || S.view.ticket;
      cw.textContent = fmtDuration(waitingSecs(q));
    }
  }

  function moveSelection(step) {
    const rows = filtered();
    if (!rows.length) return;
    let i = rows.findIndex((q) => q.id === S.selected);
    i = i < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, i + step));
    selectTicket(rows[i].id);
    const row = $('queue').querySelector(`.queue-row[data-ticket="${CSS.escape(rows[i].id)}"]`);
    if (row) row.scrollIntoView({ block: 'nearest' });
  }

  // ---------------------------------------------------------------- conversation
  function selectTicket(id) {
    if (S.page !== 'desk') setPage('desk');
    if (S.selected !== id) {
      S.selected = id;
      S.view = null; S.lastSeq = 0;
      $('reply-text').value = ''; $('note-text').value = '';
      closeCanned();
      hideBanner(); // an answer about the previous ticket would mislead here
      show($('user-typing'), false);
      history.replaceState(null, '', '#' + encodeURIComponent(id));
    }
    const q = S.tickets.find((x) => x.id === id);
    if (q) q.unread = 0;
    renderQueue();
    loadTicket(id, false);
  }

  /** Loads the ticket shown; `merge` keeps the transcript and only adds lines not yet seen. */
  async function loadTicket(id, merge) {
    const token = ++S.loadToken;
    try {
      const view = await api('GET', ticketPath(id));
      if (token !== S.loadToken || S.selected !== id || !S.me) return;
      const q = Object.assign({}, view.ticket || {}, { _at: Date.now() });
      view.ticket = q;
      if (merge && S.view) {
        S.view = view;
        renderTicketHead(); renderCard(); renderActions();
        for (const e of view.transcript || []) appendEntry(e);
      } else {
        S.view = view;
        renderTicket();
      }
    } catch (e) {
      if (token !== S.loadToken) return;
      if (e.status === 404) {
        S.selected = null; S.view = null;
        show($('ticket-pane'), false); show($('no-ticket'), true);
        history.replaceState(null, '', location.pathname);
        renderQueue();
      }
      report(e);
    }
  }

  function renderTicket() {
    const v = S.view;
    if (!v) return;
    show($('no-ticket'), false);
    show($('ticket-pane'), true);
    $('ticket-pane').dataset.ticket = v.ticket.id;
    renderTicketHead();
    renderCard();
    renderTranscript();
    renderActions();
  }

  function renderTicketHead() {
    const q = S.view.ticket;
    $('ticket-title').textContent = `${q.id} · ${causeText(q.cause, q.cause_label) || label('status', q.status)}`;
    const st = $('ticket-status');
    st.textContent = label('status', q.status) + (q.agent ? ` · ${q.agent_name || q.agent}` : '');
    st.dataset.status = q.status || '';
  }

  function cardRow(field, name, ...values) {
    return el('div', { class: 'card-row', dataset: { field } }, el('dt', null, name), el('dd', null, ...values));
  }

  function chips(items, kind) {
    if (!items || !items.length) return [el('span', { class: 'muted' }, t('none'))];
    return items.map((x) => el('span', { class: 'chip' }, kind ? label(kind, x) : String(x)));
  }

  function renderCard() {
    const v = S.view;
    const c = v.card || {};
    const q = v.ticket;
    const dl = $('card');
    dl.textContent = '';

    const sens = c.sensitive;
    show($('sensitive-warning'), !!sens);
    const wording = sens ? String(sens.neutral_wording || '') : '';
    $('neutral-wording').textContent = wording;
    show($('neutral-wording'), !!wording);

    const priority = (c.priority || q.priority) === 'high' ? t('priority_high') : t('priority_normal');
    const pReason = c.priority_reason || q.priority_reason;
    dl.append(
      cardRow('reason', t('f_reason'), el('strong', null, label('reason', c.reason))),
      cardRow('priority', t('f_priority'),
        el('span', { class: (c.priority || q.priority) === 'high' ? 'badge badge-high' : 'badge' },
          priority + (pReason ? ` · ${label('priority_reason', pReason)}` : ''))),
      cardRow('causes', t('f_causes'), ...chips(c.causes || q.causes, 'cause')),
      cardRow('case', t('f_case'), ...caseValue(c.case)),
      cardRow('remedies', t('f_remedies'), ...chips(c.remedies_tried)),
      cardRow('answers', t('f_answers'), ...answersValue(c.answers)),
      cardRow('findings', t('f_findings'), ...chips(c.photo_findings)),
      cardRow('lang', t('f_lang'), label('lang', c.lang || q.lang)),
      cardRow('channel', t('f_channel'), label('channel', c.channel || q.channel)),
      cardRow('user', t('f_user'), c.user_linked ? t('linked_yes') : t('linked_no'),
        c.user_ref_hash ? el('code', { class: 'ref' }, c.user_ref_hash) : null),
      cardRow('waiting', t('f_waiting'), el('span', { class: 'wait' }, fmtDuration(waitingSecs(S.tickets.find((x) => x.id === q.id) || q)))),
      cardRow('agent', t('f_agent'), q.agent ? (q.agent_name || q.agent) : t('unassigned')));
    if (c.left_message) dl.append(cardRow('left_message', t('f_left_message'), el('span', { class: 'pre' }, c.left_message)));
  }

  function caseValue(cc) {
    if (!cc) return [el('span', { class: 'muted' }, t('no_case'))];
    const out = [
      el('code', { class: 'case-id' }, cc.case_id || ''),
      el('span', { class: 'chip case-status', dataset: { status: cc.status || '' } }, label('case_status', cc.status)),
    ];
    for (const code of cc.reason_codes || []) out.push(el('code', { class: 'chip reason-code' }, code));
    const when = [];
    if (cc.updated_at) when.push(t('case_updated', { at: fmtTime(cc.updated_at, true) }));
    if (cc.fetched_at) when.push(t('case_fetched', { at: fmtTime(cc.fetched_at, true) }));
    if (when.length) out.push(el('span', { class: 'muted small' }, when.join(' · ')));
    return out;
  }

  function answersValue(answers) {
    if (!answers || !answers.length) return [el('span', { class: 'muted' }, t('none'))];
    return [el('ul', { class: 'answers' }, ...answers.map((a) =>
      el('li', null, el('span', { class: 'slot' }, String(a.slot || '')), ': ', el('span', { class: 'value' }, String(a.value == null ? '' : a.value)))))];
  }

  function renderTranscript() {
    const box = $('transcript');
    box.setAttribute('aria-busy', 'true'); // a screen reader announces new lines, not a whole reload
    box.textContent = '';
    S.lastSeq = 0;
    for (const e of S.view.transcript || []) appendEntry(e, true);
    box.scrollTop = box.scrollHeight;
    box.removeAttribute('aria-busy');
  }

  function entryNode(e) {
    const kind = ['user', 'bot', 'agent', 'note', 'event'].includes(e.kind) ? e.kind : 'event';
    let who;
    if (kind === 'note') who = `${t('internal_note')}${e.author ? ' · ' + e.author : ''}`;
    else if (kind === 'agent') who = e.author || t('who_agent');
    else if (kind === 'user') who = t('who_user');
    else if (kind === 'bot') who = t('who_bot');
    else who = '';
    const node = el('div', { class: 'entry entry-' + kind, dataset: { kind, seq: String(e.seq) } },
      kind === 'event' ? null : el('div', { class: 'entry-head' },
        el('span', { class: 'who' }, who),
        el('time', { datetime: e.at || null, title: fmtTime(e.at, true) }, fmtTime(e.at))),
      el('div', { class: 'entry-text' }, String(e.text == null ? '' : e.text),
        kind === 'event' ? el('time', { datetime: e.at || null }, ' · ' + fmtTime(e.at)) : null));
    if (Array.isArray(e.buttons) && e.buttons.length) {
      node.append(el('ul', { class: 'entry-buttons' }, ...e.buttons.map((b) => el('li', null, String(b)))));
    }
    return node;
  }

  /** Adds a transcript line once (the same line can come from the reply answer and the socket). */
  function appendEntry(e, initial) {
    if (!e || typeof e.seq !== 'number') return;
    const box = $('transcript');
    if (e.seq <= S.lastSeq && box.querySelector(`.entry[data-seq="${e.seq}"]`)) return;
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const node = entryNode(e);
    // Lines normally arrive in order; one that is late goes to its place.
    if (e.seq < S.lastSeq) {
      const after = [...box.querySelectorAll('.entry')].find((n) => Number(n.dataset.seq) > e.seq);
      box.insertBefore(node, after || null);
    } else {
      box.append(node);
      S.lastSeq = e.seq;
    }
    if (S.view && !initial && !(S.view.transcript || []).some((x) => x.seq === e.seq)) {
      S.view.transcript = (S.view.transcript || []).concat([e]);
    }
    if (e.kind === 'user') show($('user-typing'), false);
    if (!initial && nearBottom) box.scrollTop = box.scrollHeight;
  }

  function renderActions() {
    const v = S.view;
    if (!v) return;
    const q = v.ticket;
    const open = q.status !== 'closed';
    const canAct = !!v.can_act && open;
    const claimable = open && !q.mine && (q.status === 'queued' || q.status === 'left_message');
    $('claim').disabled = !claimable;
    for (const id of ['transfer', 'hand-back', 'resolve', 'send', 'add-note', 'canned', 'reply-text', 'note-text']) $(id).disabled = !canAct;
    $('refresh-case').disabled = !open;
    $('assign').disabled = !(open && S.me && S.me.role === 'admin');
  }

  // ---------------------------------------------------------------- ticket actions
  /** Runs one action with its button held down, so a double click sends once. */
  async function act(button, fn) {
    if (button && button.disabled) return;
    if (button) button.disabled = true;
    try {
      await fn();
    } catch (e) {
      report(e, true);
    } finally {
      if (button) button.disabled = false;
      renderActions();
    }
  }

  function claim() {
    const id = S.selected;
    if (!id || !S.view) return;
    act($('claim'), async () => {
      const q = await api('POST', ticketPath(id, 'claim'));
      hideBanner();
      if (q && q.id) applyTicketQuiet(q);
      await loadTicket(id, true);
      $('reply-text').focus();
    });
  }

  /** Updates a queue row without asking for the ticket again (the caller reloads it). */
  function applyTicketQuiet(q) {
    const entry = Object.assign({}, q, { _at: Date.now() });
    const i = S.tickets.findIndex((x) => x.id === q.id);
    if (i >= 0) S.tickets[i] = entry; else S.tickets.push(entry);
    renderQueue();
  }

  function tooLong(text) {
    if (text.length > MAX_TEXT) { showBanner(t('text_too_long', { n: text.length, max: MAX_TEXT }), 'error', true); return true; }
    return false;
  }

  function sendReply() {
    const id = S.selected;
    const box = $('reply-text');
    const text = box.value.trim();
    if (!id || !text || $('send').disabled || tooLong(text)) return;
    act($('send'), async () => {
      const data = await api('POST', ticketPath(id, 'reply'), { text });
      if (S.selected === id) {
        if (box.value.trim() === text) box.value = '';
        updateCounter();
        if (data && data.entry) appendEntry(data.entry);
        $('transcript').scrollTop = $('transcript').scrollHeight;
      }
    });
  }

  function addNote() {
    const id = S.selected;
    const box = $('note-text');
    const text = box.value.trim();
    if (!id || !text || $('add-note').disabled || tooLong(text)) return;
    act($('add-note'), async () => {
      const data = await api('POST', ticketPath(id, 'note'), { text });
      if (S.selected === id) {
        if (box.value.trim() === text) box.value = '';
        if (data && data.entry) appendEntry(data.entry);
        $('transcript').scrollTop = $('transcript').scrollHeight;
      }
    });
  }

  function simpleAction(buttonId, action, doneKey) {
    const id = S.selected;
    if (!id || !S.view) return;
    act($(buttonId), async () => {
      await api('POST', ticketPath(id, action));
      showBanner(t(doneKey), 'info', true);
      await loadTicket(id, true);
    });
  }

  function refreshCase() {
    const id = S.selected;
    if (!id || !S.view) return;
    act($('refresh-case'), async () => {
      const data = await api('POST', ticketPath(id, 'refresh_case'));
      if (S.selected === id && S.view) {
        S.view.card = Object.assign({}, S.view.card, { case: data ? data.case : null });
        renderCard();
        showBanner(t('case_refreshed'), 'info', true);
      }
    });
  }

  /** Typing pings tell the user someone is writing; at most one every few seconds. */
  function onReplyInput() {
    updateCounter();
    const id = S.selected;
    if (!id || !S.view || !S.view.can_act || !$('reply-text').value.trim()) return;
    const now = Date.now();
    if (now - S.lastTypingPing < TYPING_PING_MS) return;
    S.lastTypingPing = now;
    api('POST', ticketPath(id, 'typing')).catch(() => { /* a lost ping only hides the indicator */ });
  }

  function updateCounter() {
    const n = $('reply-text').value.length;
    const c = $('reply-count');
    c.textContent = n > MAX_TEXT - 500 ? `${n}/${MAX_TEXT}` : '';
    c.classList.toggle('over', n > MAX_TEXT);
  }

  /** Enter sends, Shift+Enter makes a new line; Enter that confirms an IME composition does neither. */
  function composeKeys(send) {
    return (e) => {
      if (e.key !== 'Enter' || e.isComposing || e.keyCode === 229) return;
      if (e.shiftKey && !(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      send();
    };
  }

  function showUserTyping(ticket) {
    if (ticket !== S.selected) return;
    show($('user-typing'), true);
    clearTimeout(S.typingTimer);
    S.typingTimer = setTimeout(() => show($('user-typing'), false), TYPING_SHOW_MS);
  }

  // ---------------------------------------------------------------- canned replies
  async function toggleCanned() {
    const list = $('canned-list');
    if (!list.hidden) { closeCanned(); return; }
    const v = S.view;
    if (!v) return;
    const lang = v.ticket.lang || (v.card && v.card.lang) || '';
    const cause = v.ticket.cause || (v.card && v.card.causes && v.card.causes[0]) || '';
    const key = `${lang}|${cause}`;
    list.textContent = '';
    list.append(el('li', { class: 'muted' }, t('loading')));
    show(list, true);
    $('canned').setAttribute('aria-expanded', 'true');
    try {
      let replies = S.canned.get(key);
      if (!replies) {
        const qs = new URLSearchParams({ lang });
        if (cause) qs.set('cause', cause);
        const data = await api('GET', `/canned?${qs}`);
        replies = (data && Array.isArray(data.replies)) ? data.replies : [];
        S.canned.set(key, replies);
      }
      list.textContent = '';
      if (!replies.length) list.append(el('li', { class: 'muted' }, t('canned_empty')));
      for (const r of replies) {
        list.append(el('li', null, el('button', {
          type: 'button', class: 'canned-item', title: r.text, dataset: { id: String(r.id) },
          onclick: () => insertCanned(r.text),
        }, el('strong', null, String(r.title || '')), el('span', { class: 'muted' }, String(r.text || '')))));
      }
      const first = list.querySelector('button');
      if (first) first.focus();
    } catch (e) {
      closeCanned();
      report(e);
    }
  }

  function closeCanned() {
    show($('canned-list'), false);
    $('canned').setAttribute('aria-expanded', 'false');
  }

  function insertCanned(text) {
    const box = $('reply-text');
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + String(text || '') + box.value.slice(end);
    closeCanned();
    box.focus();
    const at = start + String(text || '').length;
    box.setSelectionRange(at, at);
    updateCounter();
  }

  // ---------------------------------------------------------------- transfer / reassign
  async function loadAgents() {
    try {
      const data = await api('GET', '/agents');
      S.agents = (data && Array.isArray(data.agents)) ? data.agents : [];
    } catch (e) { report(e); }
    return S.agents;
  }

  async function openPick(mode) {
    const v = S.view;
    if (!v) return;
    const button = $(mode === 'transfer' ? 'transfer' : 'assign');
    if (button.disabled) return;
    S.pick = { mode, ticket: v.ticket.id };
    $('pick-title').textContent = t(mode === 'transfer' ? 'transfer_title' : 'assign_title', { id: v.ticket.id });
    const sel = $('pick-select');
    sel.textContent = '';
    show($('pick-error'), false);
    openOverlay('pick-agent');
    await loadAgents();
    if (!S.pick) return;
    const lang = v.ticket.lang;
    const candidates = S.agents.filter((a) => {
      if (a.disabled || a.presence === 'disabled') return false;
      if (lang && Array.isArray(a.languages) && !a.languages.includes(lang)) return false;
      if (mode === 'transfer') return a.login !== S.me.login && a.presence === 'online';
      return a.login !== v.ticket.agent;
    });
    for (const a of candidates) {
      sel.append(el('option', { value: a.login },
        `${a.display_name || a.login} (${a.login}) · ${label('presence', a.presence)} · ${t('col_open')}: ${a.open != null ? a.open : 0}`));
    }
    show($('pick-empty'), candidates.length === 0);
    $('pick-confirm').disabled = candidates.length === 0;
    sel.disabled = candidates.length === 0;
    if (candidates.length) sel.focus();
  }

  async function confirmPick() {
    const p = S.pick;
    const to = $('pick-select').value;
    if (!p || !to) return;
    const btn = $('pick-confirm');
    btn.disabled = true;
    try {
      await api('POST', ticketPath(p.ticket, p.mode), { to });
      closeOverlay();
      showBanner(t(p.mode === 'transfer' ? 'transferred' : 'assigned'), 'info');
      if (S.selected === p.ticket) await loadTicket(p.ticket, true);
    } catch (e) {
      if (e.status === 401) return;
      $('pick-error').textContent = errorText(e);
      show($('pick-error'), true);
    } finally {
      btn.disabled = false;
    }
  }

  // ---------------------------------------------------------------- overlays
  function openOverlay(dialogId) {
    for (const d of document.querySelectorAll('#overlay .dialog')) show(d, d.id === dialogId);
    show($('overlay'), true);
    S.lastFocus = document.activeElement;
    const first = $(dialogId).querySelector('select, input, button');
    if (first) first.focus();
  }

  function closeOverlay() {
    if ($('overlay').hidden) return false;
    show($('overlay'), false);
    S.pick = null; S.pwLogin = null;
    if (S.lastFocus && document.contains(S.lastFocus)) S.lastFocus.focus();
    return true;
  }

  /** Keeps Tab inside the open dialog (it is modal: the page behind must not take focus). */
  function trapFocus(e) {
    const dialog = document.querySelector('#overlay .dialog:not([hidden])');
    if (!dialog) return;
    const items = [...dialog.querySelectorAll('button, input, select, textarea, a[href]')]
      .filter((n) => !n.disabled && !n.hidden && n.offsetParent !== null);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    else if (!dialog.contains(document.activeElement)) { e.preventDefault(); first.focus(); }
  }

  const SHORTCUTS = [
    ['j', 'sc_next'], ['k', 'sc_prev'], ['c', 'sc_claim'], ['r', 'sc_reply'], ['n', 'sc_note'],
    ['Ctrl+Enter', 'sc_send'], ['e', 'sc_resolve'], ['b', 'sc_hand_back'], ['t', 'sc_transfer'],
    ['/', 'sc_filter'], ['?', 'sc_help'], ['Esc', 'sc_close'],
  ];

  function renderHelp() {
    const dl = $('help-list');
    dl.textContent = '';
    for (const [key, text] of SHORTCUTS) dl.append(el('div', null, el('dt', null, el('kbd', null, key)), el('dd', null, t(text))));
  }

  function onGlobalKey(e) {
    if (!S.me) return;
    // Esc always works, even where the control used it too (a search box clears itself on Esc).
    if (e.key === 'Escape') {
      if (closeOverlay()) { e.preventDefault(); return; }
      if (!$('canned-list').hidden) { closeCanned(); $('canned').focus(); e.preventDefault(); return; }
      if (isEditable(e.target)) e.target.blur();
      return;
    }
    if (e.defaultPrevented) return; // already handled by the focused control (e.g. Enter in a composer)
    if (!$('overlay').hidden) {
      if (e.key === 'Enter' && e.target && e.target.id === 'pick-select') { e.preventDefault(); confirmPick(); }
      if (e.key === 'Tab') trapFocus(e);
      return;
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      if (e.target.id === 'note-text') { e.preventDefault(); addNote(); } else if (e.target.id === 'reply-text') { e.preventDefault(); sendReply(); }
      return;
    }
    if (isEditable(e.target) || e.ctrlKey || e.metaKey || e.altKey || S.page !== 'desk') return;
    const run = {
      j: () => moveSelection(1), k: () => moveSelection(-1),
      c: () => { if (!$('claim').disabled) claim(); },
      r: () => { if (!$('reply-text').disabled) $('reply-text').focus(); },
      n: () => { if (!$('note-text').disabled) $('note-text').focus(); },
      e: () => { if (!$('resolve').disabled) simpleAction('resolve', 'resolve', 'resolved'); },
      b: () => { if (!$('hand-back').disabled) simpleAction('hand-back', 'hand_back', 'handed_back'); },
      t: () => openPick('transfer'),
      '/': () => $('queue-search').focus(),
      '?': () => openOverlay('help'),
    }[e.key];
    if (run) { e.preventDefault(); run(); }
  }

  // ---------------------------------------------------------------- live updates
  function connectLive() {
    if (!S.me || S.ws) return;
    clearTimeout(S.reconnectTimer);
    let ws;
    try {
      ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${API}/live`);
    } catch (e) {
      onLiveLost();
      return;
    }
    S.ws = ws;
    ws.addEventListener('open', () => {
      if (S.ws !== ws) return;
      S.backoff = BACKOFF_MIN_MS;
      setLive(true);
      // Lines written while the socket was down are fetched once.
      if (S.selected) loadTicket(S.selected, true);
    });
    ws.addEventListener('message', (ev) => {
      if (S.ws !== ws) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && typeof msg === 'object') onFrame(msg);
    });
    ws.addEventListener('close', () => {
      if (S.ws !== ws) return;
      S.ws = null;
      onLiveLost();
    });
  }

  function onFrame(msg) {
    switch (msg.type) {
      case 'queue': S.liveQueues = (S.liveQueues || 0) + 1; applyQueue(msg.tickets, msg.agents_online); break;
      case 'ticket': applyTicket(msg.ticket); break;
      case 'entry':
        if (msg.ticket === S.selected && S.view) appendEntry(msg.entry);
        else if (msg.entry && msg.entry.kind === 'user') {
          // Counted here until the next queue frame brings the server's own count.
          const q = S.tickets.find((x) => x.id === msg.ticket);
          if (q) { q.unread = (Number(q.unread) || 0) + 1; renderQueue(); }
        }
        break;
      case 'typing': showUserTyping(msg.ticket); break;
      case 'session_expired': sessionEnded(t('session_ended')); break;
      default: break; // frames this page does not know are ignored
    }
  }

  function onLiveLost() {
    if (!S.me) return;
    setLive(false);
    const delay = Math.round(S.backoff * (0.75 + Math.random() * 0.5)); // jitter: agents do not reconnect in step
    S.backoff = Math.min(BACKOFF_MAX_MS, S.backoff * 2);
    S.reconnectTimer = setTimeout(connectLive, delay);
  }

  /** While the socket is down the queue (and the open ticket) are polled, so nothing is missed. */
  function setLive(up) {
    S.live = up;
    show($('live-status'), !up);
    if (up) {
      clearInterval(S.pollTimer); S.pollTimer = 0;
    } else if (!S.pollTimer) {
      poll();
      S.pollTimer = setInterval(poll, POLL_MS);
    }
  }

  function poll() {
    if (!S.me) return;
    refreshQueue();
    if (S.selected) loadTicket(S.selected, true);
  }

  function stopLive() {
    clearTimeout(S.reconnectTimer);
    clearInterval(S.pollTimer); S.pollTimer = 0;
    const ws = S.ws;
    S.ws = null;
    if (ws) { try { ws.close(); } catch (e) { /* already closing */ } }
    S.backoff = BACKOFF_MIN_MS;
    show($('live-status'), false);
  }

  // ---------------------------------------------------------------- pages
  function setPage(page) {
    if (page !== 'desk' && (!S.me || S.me.role !== 'admin')) page = 'desk';
    S.page = page;
    for (const b of document.querySelectorAll('.nav-btn')) {
      if (b.dataset.page === page) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
    }
    show($('page-desk'), page === 'desk');
    // A transcript drawn while its page was hidden could not scroll: show the newest lines now.
    if (page === 'desk') $('transcript').scrollTop = $('transcript').scrollHeight;
    show($('page-agents'), page === 'agents');
    show($('page-audit'), page === 'audit');
    if (page === 'agents') loadAgents().then(renderAgentsTable);
    if (page === 'audit') {
      $('audit-table').textContent = '';
      S.audit = { after: 0, done: false, loading: false };
      loadAudit();
    }
  }

  // ---------------------------------------------------------------- admin: agents
  function renderAgentsTable() {
    const body = $('agents-table');
    body.textContent = '';
    for (const a of S.agents) {
      const disabled = a.disabled === true || a.presence === 'disabled';
      body.append(el('tr', { dataset: { login: a.login }, class: disabled ? 'disabled' : null },
        el('td', null, el('code', null, a.login)),
        el('td', null, a.display_name || ''),
        el('td', null, label('role', a.role)),
        el('td', null, (a.languages || []).map((l) => label('lang', l)).join(', ')),
        el('td', null, disabled ? t('disabled') : label('presence', a.presence)),
        el('td', null, String(a.open != null ? a.open : '')),
        el('td', { class: 'row-actions' },
          a.login === S.me.login ? null : (disabled
            ? el('button', { type: 'button', class: 'btn small agent-enable', onclick: (e) => setEnabled(a.login, true, e.currentTarget) }, t('enable'))
            : el('button', { type: 'button', class: 'btn small agent-disable', onclick: (e) => setEnabled(a.login, false, e.currentTarget) }, t('disable'))),
          el('button', { type: 'button', class: 'btn small agent-password', onclick: () => openPassword(a.login) }, t('reset_password')))));
    }
  }

  async function setEnabled(login, enable, button) {
    button.disabled = true;
    try {
      await api('POST', `/admin/agents/${encodeURIComponent(login)}/${enable ? 'enable' : 'disable'}`);
      const a = S.agents.find((x) => x.login === login);
      if (a) a.disabled = !enable;
      await loadAgents();
      // The list may not say who is disabled: keep what was just done when it does not.
      const again = S.agents.find((x) => x.login === login);
      if (again && again.disabled === undefined && again.presence !== 'disabled') again.disabled = !enable;
      renderAgentsTable();
    } catch (e) {
      report(e);
      button.disabled = false;
    }
  }

  function openPassword(login) {
    S.pwLogin = login;
    $('pw-title').textContent = t('password_title', { login });
    $('pw-new').value = '';
    $('pw-user').value = login; // lets a password manager file the new password under the right login
    show($('pw-error'), false);
    openOverlay('pw-dialog');
    S.pwLogin = login;
  }

  async function confirmPassword() {
    const login = S.pwLogin;
    const password = $('pw-new').value;
    if (!login) return;
    if (password.length < 12) {
      $('pw-error').textContent = t('password_short'); show($('pw-error'), true);
      return;
    }
    const btn = $('pw-confirm');
    btn.disabled = true;
    try {
      await api('POST', `/admin/agents/${encodeURIComponent(login)}/password`, { password });
      $('pw-new').value = '';
      closeOverlay();
      showBanner(t('password_changed', { login }), 'info');
    } catch (e) {
      if (e.status !== 401) { $('pw-error').textContent = errorText(e); show($('pw-error'), true); }
    } finally {
      btn.disabled = false;
    }
  }

  async function onAddAgent(ev) {
    ev.preventDefault();
    const form = $('agent-add-form');
    const err = $('agent-form-error');
    const languages = [...form.querySelectorAll('input[name=lang]:checked')].map((i) => i.value);
    const body = {
      login: $('new-login').value.trim(),
      display_name: $('new-name').value.trim(),
      password: $('new-password').value,
      role: $('new-role').value === 'admin' ? 'admin' : 'agent',
      languages,
      capacity: Number($('new-capacity').value),
    };
    // The server's rules, checked here too so a typo is caught before the round trip.
    if (!LOGIN_NAME.test(body.login) || !body.display_name || body.display_name.length > 64
        || body.password.length < 12 || !languages.length
        || !Number.isInteger(body.capacity) || body.capacity < 1 || body.capacity > 50) {
      err.textContent = t('form_incomplete'); show(err, true);
      return;
    }
    const btn = $('agent-add');
    btn.disabled = true;
    try {
      await api('POST', '/admin/agents', body);
      show(err, false);
      form.reset();
      showBanner(t('agent_added', { login: body.login }), 'info');
      await loadAgents();
      renderAgentsTable();
    } catch (e) {
      if (e.status !== 401) { err.textContent = errorText(e); show(err, true); }
    } finally {
      $('new-password').value = '';
      btn.disabled = false;
    }
  }

  // ---------------------------------------------------------------- admin: audit log
  async function loadAudit() {
    const a = S.audit;
    if (a.loading || a.done) return;
    a.loading = true;
    $('audit-more').disabled = true;
    try {
      const qs = new URLSearchParams({ limit: String(AUDIT_PAGE) });
      if (a.after > 0) qs.set('after', String(a.after)); // the first page asks from the start
      const data = await api('GET', `/admin/audit?${qs}`);
      if (S.audit !== a) return; // the page was reopened meanwhile
      const entries = (data && Array.isArray(data.entries)) ? data.entries : [];
      const body = $('audit-table');
      for (const x of entries) {
        body.append(el('tr', { dataset: { seq: String(x.seq) } },
          el('td', null, String(x.seq)),
          el('td', null, el('time', { datetime: x.at || null }, fmtTime(x.at, true))),
          el('td', null, String(x.actor || '')),
          el('td', null, el('code', null, String(x.action || ''))),
          el('td', null, x.ticket ? el('code', null, String(x.ticket)) : ''),
          el('td', null, x.subject ? el('code', { class: 'ref' }, String(x.subject)) : ''),
          el('td', { class: 'detail' }, String(x.detail || ''))));
        if (typeof x.seq === 'number' && x.seq > a.after) a.after = x.seq;
      }
      a.done = entries.length < AUDIT_PAGE;
    } catch (e) {
      report(e);
    } finally {
      a.loading = false;
      show($('audit-end'), a.done);
      show($('audit-more'), !a.done);
      $('audit-more').disabled = false;
    }
  }

  // ---------------------------------------------------------------- wiring
  function wire() {
    $('login-form').addEventListener('submit', onLoginSubmit);
    for (const b of document.querySelectorAll('.lang-switch')) b.addEventListener('click', switchLanguage);
    $('error-close').addEventListener('click', hideBanner);
    $('logout').addEventListener('click', logout);
    $('help-open').addEventListener('click', () => openOverlay('help'));
    $('presence').addEventListener('change', async (e) => {
      const presence = e.target.value === 'away' ? 'away' : 'online';
      try { await api('POST', '/presence', { presence }); } catch (err) { report(err); }
    });
    for (const b of document.querySelectorAll('.nav-btn')) b.addEventListener('click', () => setPage(b.dataset.page));
    for (const b of document.querySelectorAll('.filter-btn')) {
      b.addEventListener('click', () => { S.filter = b.dataset.filter; sset(FILTER_KEY, S.filter); renderQueue(); });
    }
    $('queue-search').addEventListener('input', (e) => { S.search = e.target.value; renderQueue(); });
    $('queue-search').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); const first = $('queue').querySelector('.queue-row'); if (first) first.focus(); }
    });

    $('claim').addEventListener('click', claim);
    $('send').addEventListener('click', sendReply);
    $('add-note').addEventListener('click', addNote);
    $('resolve').addEventListener('click', () => simpleAction('resolve', 'resolve', 'resolved'));
    $('hand-back').addEventListener('click', () => simpleAction('hand-back', 'hand_back', 'handed_back'));
    $('refresh-case').addEventListener('click', refreshCase);
    $('transfer').addEventListener('click', () => openPick('transfer'));
    $('assign').addEventListener('click', () => openPick('assign'));
    $('canned').addEventListener('click', toggleCanned);
    $('reply-text').addEventListener('input', onReplyInput);
    $('reply-text').addEventListener('keydown', composeKeys(sendReply));
    $('note-text').addEventListener('keydown', composeKeys(addNote));
    document.addEventListener('click', (e) => {
      if (!$('canned-list').hidden && !e.target.closest('.canned-wrap')) closeCanned();
    });

    $('pick-confirm').addEventListener('click', confirmPick);
    $('pw-dialog').addEventListener('submit', (e) => { e.preventDefault(); confirmPassword(); });
    for (const b of document.querySelectorAll('.dialog-close')) b.addEventListener('click', closeOverlay);
    $('overlay').addEventListener('click', (e) => { if (e.target === $('overlay')) closeOverlay(); });
    $('agent-add-form').addEventListener('submit', onAddAgent);
    $('audit-more').addEventListener('click', loadAudit);
    document.addEventListener('keydown', onGlobalKey);
    setInterval(tick, 1000);
  }

  async function boot() {
    S.lang = pickLanguage();
    const f = sget(FILTER_KEY);
    if (f === 'mine' || f === 'queued' || f === 'all') S.filter = f;
    applyTexts();
    wire();
    try {
      const data = await api('GET', '/me');
      S.me = data.agent; S.csrf = data.csrf;
      enterApp();
    } catch (e) {
      showLogin(e.status === 401 || e.status === undefined ? null : e.message);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
