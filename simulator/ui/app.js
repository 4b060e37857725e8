// igsim dashboard: one ES module, no build step, no library. It reads and drives a sandbox
// only through the public control plane (/_sim/...) and the Graph API, so everything it
// shows can also be scripted. Views are entries of VIEWS: a new view is one more entry with
// a render function (and `refresh` to re-render, or `poll` to update itself, while shown).

const API_VERSION = 'v21.0';
const TOKEN_KEY = 'igsim-admin-token';
const REFRESH_MS = 2000;

// ---- small DOM helpers -----------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (sel, root = document) => root.querySelector(sel);

function toast(msg) {
  const t = $('#toast');
  t.textContent = msg;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 2500);
}

function copyButton(value) {
  return h('button', {
    title: 'copy',
    onclick: () => navigator.clipboard.writeText(value).then(() => toast('copied'), () => toast('copy failed')),
  }, 'copy');
}

const iso = (unix) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${hh}h` : hh ? `${hh}h ${m}m` : `${m}m ${s % 60}s`;
}

function gauge(label, used, limit, windowSeconds) {
  const pct = limit ? Math.min(100, (100 * used) / limit) : 0;
  const cls = pct >= 100 ? 'bad' : pct >= 80 ? 'warn' : '';
  return h('div', { class: 'gauge', dataset: { testid: 'gauge' } },
    h('span', { style: 'width:180px' }, label),
    h('div', { class: 'bar' }, h('div', { class: `fill ${cls}`, style: `width:${pct}%` })),
    h('span', { class: 'mono' }, `${used} / ${limit ?? '∞'}`),
    windowSeconds ? h('span', { class: 'muted' }, `per ${duration(windowSeconds)}`) : null);
}

// ---- the two APIs ----------------------------------------------------------------------------

class AuthNeeded extends Error {}

/** A control-plane call; the admin token (when one was given) goes as a Bearer token. */
async function sim(path, { method = 'GET', body } = {}) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`/_sim/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const v = await r.json().catch(() => ({}));
  if (r.status === 401) {
    askToken(v?.error?.message || 'HTTP 401', token);
    throw new AuthNeeded('The control plane needs its admin token.');
  }
  if (!r.ok) throw new Error(v?.error?.message || `HTTP ${r.status}`);
  return v;
}

/** A Graph call with a user token; errors come back in the body (suppress_http_code). */
async function graph(path, params, token) {
  const q = new URLSearchParams(params);
  q.set('access_token', token);
  q.set('suppress_http_code', '1');
  return graphUrl(`/${API_VERSION}/${path}?${q}`);
}

/** A Graph URL as given (paging.next is followed verbatim). */
async function graphUrl(url) {
  const r = await fetch(url);
  const v = await r.json();
  if (v && v.error) throw new Error(v.error.message);
  return v;
}

// ---- sandbox context: description, and which token reads which account -------------------------

let current = null; // { id, info, readers: Map<igId, token> }

async function loadSandbox(id) {
  const info = await sim(`sandboxes/${encodeURIComponent(id)}`);
  const readers = new Map();
  const users = [...info.users].sort((a, b) => b.permissions.length - a.permissions.length);
  for (const u of users) {
    try {
      const pages = await graph('me/accounts', { fields: 'id,name,instagram_business_account', limit: '100' }, u.access_token);
      for (const p of pages.data || []) {
        const ig = p.instagram_business_account?.id;
        if (ig && !readers.has(ig)) readers.set(ig, u.access_token);
      }
    } catch (_) {
      // An expired or revoked token reads nothing; the next user may.
    }
  }
  return { id, info, readers };
}

/** Who may read `ig`: its manager's token, or business discovery through a managed account. */
function readerFor(ig) {
  if (current.readers.has(ig)) return { token: current.readers.get(ig), via: null };
  const [via, token] = current.readers.entries().next().value || [];
  return via ? { token, via } : null;
}

// ---- views -----------------------------------------------------------------------------------

async function overview(main) {
  const { info } = current;
  const accounts = await sim(`sandboxes/${current.id}/accounts`);
  const byId = new Map(accounts.data.map((a) => [a.id, a]));
  main.append(
    h('section', { class: 'card' },
      h('h2', {}, 'App'),
      h('p', {}, 'id ', h('code', {}, info.app.id), ' ', copyButton(info.app.id),
        '  secret ', h('code', {}, info.app.secret), ' ', copyButton(info.app.secret))),
    h('section', { class: 'card' },
      h('h2', {}, 'Users'),
      h('table', {},
        h('tr', {}, h('th', {}, 'name'), h('th', {}, 'id'), h('th', {}, 'permissions'), h('th', {}, 'access token')),
        info.users.map((u) => h('tr', { dataset: { testid: 'user' } },
          h('td', {}, u.name), h('td', {}, h('code', {}, u.id)),
          h('td', { title: u.permissions.join(', ') }, `${u.permissions.length}`),
          h('td', {}, h('code', { class: 'token' }, u.access_token), ' ', copyButton(u.access_token)))))),
    h('section', { class: 'card' },
      h('h2', {}, 'Pages'),
      h('table', {},
        h('tr', {}, h('th', {}, 'name'), h('th', {}, 'id'), h('th', {}, 'instagram account'), h('th', {}, 'page token')),
        info.pages.map((p) => h('tr', {},
          h('td', {}, p.name), h('td', {}, h('code', {}, p.id)),
          h('td', {}, p.instagram_business_account
            ? h('a', { href: `#/s/${current.id}/account/${p.instagram_business_account}` }, `@${byId.get(p.instagram_business_account)?.username ?? p.instagram_business_account}`)
            : h('span', { class: 'muted' }, 'none')),
          h('td', {}, p.access_token ? [h('code', { class: 'token' }, p.access_token), ' ', copyButton(p.access_token)] : '–'))))),
    h('section', { class: 'card' },
      h('h2', {}, 'Instagram accounts'),
      h('table', {},
        h('tr', {}, h('th', {}, 'username'), h('th', {}, 'id'), h('th', {}, 'type'), h('th', {}, 'followers'), h('th', {}, 'media'), h('th', {}, 'stories')),
        accounts.data.map((a) => h('tr', { dataset: { testid: 'account' } },
          h('td', {}, h('a', { href: `#/s/${current.id}/account/${a.id}`, dataset: { testid: 'account-link' } }, `@${a.username}`)),
          h('td', {}, h('code', {}, a.id)), h('td', {}, a.account_type),
          h('td', {}, a.followers_count), h('td', {}, a.media_count), h('td', {}, a.stories.length))))));
}

const MEDIA_FIELDS = 'id,media_type,media_product_type,media_url,thumbnail_url,caption,timestamp,comments_count,like_count';

function picture(m) {
  return m.media_type === 'VIDEO' ? m.thumbnail_url : m.media_url;
}

async function account(main, igId) {
  const accounts = await sim(`sandboxes/${current.id}/accounts`);
  const acct = accounts.data.find((a) => a.id === igId);
  if (!acct) throw new Error(`no account ${igId} in this sandbox`);
  const reader = readerFor(igId);
  main.append(h('h2', {}, `@${acct.username}`));
  if (!reader || (reader.via && acct.account_type === 'PERSONAL')) {
    main.append(h('p', { class: 'muted' }, 'A personal account: its media are not readable through the Graph API.'));
    return;
  }
  let profile, page;
  if (reader.via) {
    const bd = await graph(reader.via, {
      fields: `business_discovery.username(${acct.username}){username,name,biography,followers_count,media_count,profile_picture_url,media.limit(24){${MEDIA_FIELDS}}}`,
    }, reader.token);
    profile = bd.business_discovery;
    page = profile.media || { data: [] };
  } else {
    profile = await graph(igId, { fields: 'username,name,biography,followers_count,media_count,profile_picture_url' }, reader.token);
    page = await graph(`${igId}/media`, { fields: MEDIA_FIELDS, limit: '24' }, reader.token);
  }
  main.append(h('section', { class: 'card profile' },
    h('img', { src: profile.profile_picture_url, alt: `@${acct.username}`, class: 'avatar', dataset: { testid: 'profile-picture' } }),
    h('div', {}, h('strong', {}, profile.name || acct.username), h('div', { class: 'muted' }, profile.biography || ''),
      h('div', {}, `${profile.followers_count} followers · ${profile.media_count} media`),
      reader.via ? h('div', { class: 'muted' }, 'read through business discovery (public fields only)') : null)));

  if (!reader.via) {
    const stories = await graph(`${igId}/stories`, { fields: 'id,media_type,media_url,thumbnail_url,timestamp' }, reader.token);
    const expires = new Map(acct.stories.map((s) => [s.id, s.expires_at]));
    main.append(h('h2', {}, 'Stories'), stories.data.length
      ? h('div', { class: 'stories' }, stories.data.map((s) => h('div', { class: 'story', dataset: { testid: 'story' } },
        h('img', { src: picture(s), alt: 'story', class: 'thumb' }),
        h('div', {}, expires.has(s.id) ? `${duration(expires.get(s.id) - accounts.now)} left` : ''))))
      : h('p', { class: 'muted' }, 'No current stories.'));
  }

  const detail = h('div', { id: 'detail' }, h('p', { class: 'muted' }, 'Pick a media to see its comments.'));
  const grid = h('div', { class: 'grid', dataset: { testid: 'media-grid' } });
  const more = h('button', {}, 'Load more');
  const addPage = (p) => {
    for (const m of p.data) {
      const tile = h('div', { class: 'tile', dataset: { testid: 'media', id: m.id }, onclick: () => run(() => showMedia(detail, m, reader, tile)) },
        h('img', { src: picture(m), alt: m.caption || m.media_type, class: 'thumb', loading: 'lazy' }),
        h('div', { class: 'meta' }, `${m.media_product_type === 'REELS' ? 'REEL' : m.media_type} · ${m.comments_count ?? 0} comments`));
      grid.append(tile);
    }
    more.hidden = !p.paging?.next;
    more.onclick = () => run(async () => addPage(await graphUrl(p.paging.next)));
  };
  addPage(page);
  main.append(h('h2', {}, 'Media'), h('div', { class: 'split' }, h('div', {}, grid, more), detail));
}

async function showMedia(detail, m, reader, tile) {
  document.querySelectorAll('.tile.selected').forEach((t) => t.classList.remove('selected'));
  tile.classList.add('selected');
  detail.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const view = m.media_type === 'VIDEO'
    ? h('video', { src: m.media_url, controls: true, poster: m.thumbnail_url, style: 'width:100%' })
    : h('img', { src: m.media_url, alt: 'media', style: 'width:100%' });
  let comments = [];
  if (!reader.via) {
    const c = await graph(`${m.id}/comments`, { fields: 'id,text,username,timestamp,like_count,hidden,replies{id,text,username,timestamp}', limit: '50' }, reader.token);
    comments = c.data;
  }
  detail.replaceChildren(
    h('section', { class: 'card' }, view,
      h('p', {}, m.caption || h('span', { class: 'muted' }, 'no caption')),
      h('p', { class: 'muted' }, `${m.media_type} · ${m.timestamp} · ${m.like_count ?? '–'} likes · id `, h('code', {}, m.id)),
      h('a', { href: `#/s/${current.id}/events?media_id=${m.id}` }, 'Make someone comment on it →'),
      h('h2', {}, 'Comments'),
      reader.via ? h('p', { class: 'muted' }, 'Comments are readable by the owner only.')
        : comments.length ? h('ul', { class: 'comments', dataset: { testid: 'comments' } }, comments.map((c) => h('li', { dataset: { testid: 'comment' } },
          h('strong', {}, `@${c.username}`), ' ', c.text, c.hidden ? h('span', { class: 'muted' }, ' (hidden)') : null,
          h('span', { class: 'muted' }, ` · ${c.timestamp}`),
          c.replies?.data?.length ? h('ul', {}, c.replies.data.map((r) => h('li', {}, h('strong', {}, `@${r.username}`), ' ', r.text))) : null)))
          : h('p', { class: 'muted' }, 'No comments.')));
}

async function publishing(main) {
  const [accounts, containers, limits] = await Promise.all([
    sim(`sandboxes/${current.id}/accounts`),
    sim(`sandboxes/${current.id}/containers`),
    sim(`sandboxes/${current.id}/rate_limits`),
  ]);
  const names = new Map(accounts.data.map((a) => [a.id, a.username]));
  const managed = accounts.data.filter((a) => current.readers.has(a.id));
  main.append(h('section', { class: 'card' }, h('h2', {}, 'Quotas'),
    managed.map((a) => h('div', {}, h('strong', {}, `@${a.username}`),
      gauge('posts published', a.quotas.publishing.used, a.quotas.publishing.limit, a.quotas.publishing.window_seconds),
      gauge('containers created', a.quotas.containers.used, a.quotas.containers.limit, a.quotas.containers.window_seconds),
      gauge('unique hashtags searched', a.quotas.hashtag_searches.used, a.quotas.hashtag_searches.limit, a.quotas.hashtag_searches.window_seconds)))));
  main.append(h('section', { class: 'card' }, h('h2', {}, 'Rate limits'),
    gauge('platform calls (app)', limits.platform.usage.calls, limits.platform.usage.limit, limits.platform.window_seconds),
    limits.buc.instagram_accounts.map((b) => gauge(`BUC @${b.username}`, b.usage.calls, b.usage.limit, limits.buc.window_seconds))));
  const rows = containers.data.map((c) => {
    const to = h('select', {}, ['FINISHED', 'ERROR', 'EXPIRED'].map((s) => h('option', {}, s)));
    const sub = h('input', { placeholder: 'error_subcode', size: 10, value: '2207026' });
    const terminal = ['ERROR', 'EXPIRED', 'PUBLISHED'].includes(c.status_code);
    return h('tr', { dataset: { testid: 'container' } },
      h('td', {}, h('code', {}, c.id)), h('td', {}, `@${names.get(c.owner) ?? c.owner}`), h('td', {}, c.kind),
      h('td', {}, h('span', { class: `state ${c.status_code}` }, c.status_code)),
      h('td', {}, iso(c.created_at)), h('td', {}, iso(c.expires_at)),
      h('td', {}, terminal ? h('span', { class: 'muted' }, c.published_media_id ? `media ${c.published_media_id}` : 'final')
        : [to, ' ', sub, ' ', h('button', {
          onclick: () => run(async () => {
            const body = { to: to.value };
            if (to.value === 'ERROR') body.error_subcode = Number(sub.value);
            await sim(`sandboxes/${current.id}/containers/${c.id}/transition`, { method: 'POST', body });
            toast(`container ${c.id} → ${to.value}`);
            route();
          }),
        }, 'apply')]));
  });
  main.append(h('section', { class: 'card' }, h('h2', {}, 'Containers'),
    rows.length ? h('table', {}, h('tr', {}, ['id', 'account', 'kind', 'status', 'created', 'expires', 'drive'].map((t) => h('th', {}, t))), rows)
      : h('p', { class: 'muted' }, 'No containers yet: create one with POST /{ig-user-id}/media.')));
}

/** Deliveries whose details are open; kept across the view's refreshes. */
const openDeliveries = new Set();

async function webhooks(main) {
  const [config, deliveries] = await Promise.all([
    sim(`sandboxes/${current.id}/webhooks`),
    sim(`sandboxes/${current.id}/webhooks/deliveries`),
  ]);
  const sub = config.subscription;
  const url = h('input', { size: 40, placeholder: 'http://127.0.0.1:9000/hook', value: sub?.callback_url || '' });
  main.append(h('section', { class: 'card' }, h('h2', {}, 'Subscription'),
    sub ? h('p', {}, 'callback ', h('code', {}, sub.callback_url), ` · fields ${sub.fields.join(', ')} · ${sub.active ? 'active' : 'inactive'}`)
      : h('p', { class: 'muted' }, 'No subscription.'),
    h('p', {}, url, ' ',
      h('button', { onclick: () => run(async () => { await sim(`sandboxes/${current.id}/webhooks/subscription`, { method: 'POST', body: { callback_url: url.value } }); route(); }) }, 'subscribe'), ' ',
      sub ? h('button', { onclick: () => run(async () => { await sim(`sandboxes/${current.id}/webhooks/subscription`, { method: 'DELETE' }); route(); }) }, 'unsubscribe') : null, ' ',
      h('button', { dataset: { testid: 'flush' }, onclick: () => run(async () => { const r = await sim(`sandboxes/${current.id}/webhooks/flush`, { method: 'POST' }); toast(`flushed: ${JSON.stringify(r)}`); route(); }) }, 'flush now'))));
  const list = (deliveries.data || []).slice().reverse();
  main.append(h('section', { class: 'card' }, h('h2', {}, `Deliveries (${list.length})`),
    list.length ? h('table', { dataset: { testid: 'deliveries' } },
      h('tr', {}, ['#', 'field', 'account', 'state', 'attempts', 'created', ''].map((t) => h('th', {}, t))),
      list.map((d) => {
        const more = h('tr', { hidden: !openDeliveries.has(d.id) }, h('td', { colspan: 7 },
          h('div', {}, 'sent in POST ', d.attempts.map((a) => (a.post ? `#${a.post}` : '—')).join(' · ') || 'none yet',
            ' (batched with the changes due with it; bodies and signatures: ', h('code', {}, 'webhooks/posts'), ')'),
          h('div', {}, 'callback: ', h('code', {}, d.callback_url)),
          h('div', {}, 'attempts: ', d.attempts.map((a) => `${iso(a.at)} → ${a.status ?? a.error}`).join(' · ') || 'none yet'),
          h('pre', { dataset: { testid: 'payload' } }, JSON.stringify(d.payload, null, 2))));
        return [h('tr', { dataset: { testid: 'delivery', field: d.field, state: d.state } },
          h('td', {}, d.id), h('td', {}, d.field), h('td', {}, h('code', {}, d.ig_user_id)),
          h('td', {}, h('span', { class: `state ${d.state}` }, d.state)), h('td', {}, d.attempts.length),
          h('td', {}, iso(d.created_at)),
          h('td', {}, h('button', {
            onclick: () => {
              more.hidden = !more.hidden;
              if (more.hidden) openDeliveries.delete(d.id); else openDeliveries.add(d.id);
            },
          }, 'details'), ' ',
            h('button', { onclick: () => run(async () => { await sim(`sandboxes/${current.id}/webhooks/deliveries/${d.id}/redeliver`, { method: 'POST' }); toast(`delivery ${d.id} queued again`); route(); }) }, 'redeliver'))),
        more];
      }))
      : h('p', { class: 'muted' }, 'No deliveries yet: subscribe, then make the outside world act.')));
}

function eventForm(id, title, fields, toBody, path) {
  const inputs = {};
  const out = h('pre', { hidden: true, dataset: { testid: `${id}-result` } });
  const form = h('form', {
    class: 'event', id,
    onsubmit: (e) => {
      e.preventDefault();
      run(async () => {
        const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()]));
        const r = await sim(`sandboxes/${current.id}/${path}`, { method: 'POST', body: toBody(values) });
        out.hidden = false;
        out.textContent = JSON.stringify(r, null, 2);
        toast(`${title}: done`);
      });
    },
  }, fields.map(([name, label, value]) => {
    inputs[name] = name === 'action'
      ? h('select', { name }, ['start', 'end', 'comment'].map((a) => h('option', {}, a)))
      : h('input', { name, value: value || '' });
    return [h('label', { for: `${id}-${name}` }, label), inputs[name]];
  }), h('button', { class: 'primary', type: 'submit' }, title));
  return h('section', { class: 'card' }, h('h2', {}, title), form, out);
}

const clean = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== ''));

async function events(main, _arg, params) {
  const media = params.get('media_id') || '';
  main.append(
    eventForm('comment-form', 'Comment', [['media_id', 'media id', media], ['from_username', 'from @', 'sunny.sam'], ['text', 'text', 'Love this!'], ['parent_id', 'reply to comment id']], clean, 'events/comment'),
    eventForm('mention-form', 'Mention', [['username', 'mention @'], ['from_username', 'from @', 'sunny.sam'], ['media_id', 'in a comment on media id', media], ['comment_id', 'under comment id'], ['text', 'text']], clean, 'events/mention'),
    eventForm('tag-form', 'Tag in a photo', [['username', 'tag @'], ['from_username', 'from @', 'sunny.sam'], ['media_id', 'their media id'], ['x', 'x (0-1)', '0.5'], ['y', 'y (0-1)', '0.5']],
      (v) => ({ ...clean(v), x: Number(v.x || 0.5), y: Number(v.y || 0.5) }), 'events/tag'),
    eventForm('live-form', 'Live', [['action', 'action'], ['username', 'account @ (start)'], ['caption', 'caption (start)'], ['media_id', 'broadcast id (end, comment)'], ['from_username', 'from @ (comment)'], ['text', 'text (comment)']], clean, 'events/live'));
}

// ---- the request journal: followed live with `since` -------------------------------------------

/** Entries shown (the newest); older ones leave the table, not the journal. */
const JOURNAL_ROWS = 500;
/** How often the journal is asked for entries after the last one seen. */
const JOURNAL_POLL_MS = 1000;
/** Pages read in one poll when the journal has more (the API's largest page is 1,000). */
const JOURNAL_PAGES = 10;

/** What the journal view follows: its sandbox, filters, the last `next_since`, the rows. */
let journal = null;

function journalFor(sandbox) {
  if (!journal || journal.sandbox !== sandbox) {
    journal = { sandbox, method: '', status: '', since: 0, entries: [], dropped: 0, epoch: 0, error: null, polling: false, open: new Set() };
  }
  return journal;
}

/** Starts over from the first entry (new filters): answers to older polls are ignored. */
function journalRestart(j) {
  j.epoch += 1;
  j.since = 0;
  j.entries = [];
  j.open.clear();
  j.error = null;
}

const journalStatus = (e) => (e.status === null ? 'dropped' : String(e.status));
const journalError = (e) => (e.error ? (e.error.subcode ? `${e.error.code}/${e.error.subcode}` : String(e.error.code)) : '');

function journalRows(j) {
  return j.entries.slice().reverse().map((e) => {
    const more = h('tr', { hidden: !j.open.has(e.seq), dataset: { testid: 'request-detail' } }, h('td', { colspan: 8 },
      h('div', {}, `wall ${e.wall_time} · version ${e.version ?? '–'} · node `, h('code', {}, e.node ?? '–'), ' · edge ', h('code', {}, e.edge ?? '–')),
      h('pre', {}, JSON.stringify(e.params, null, 2))));
    const cls = e.status === null || e.status >= 500 ? 'bad' : e.status >= 400 ? 'warn' : '';
    return [h('tr', {
      class: `request ${cls}`,
      dataset: { testid: 'request', seq: e.seq, method: e.method, path: e.path, status: journalStatus(e), error: journalError(e), fault: e.fault?.rule ?? '' },
      onclick: () => {
        more.hidden = !more.hidden;
        if (more.hidden) j.open.delete(e.seq); else j.open.add(e.seq);
      },
    },
      h('td', { class: 'mono' }, e.seq), h('td', { class: 'mono' }, iso(e.time)), h('td', {}, e.method),
      h('td', { class: 'mono path' }, e.path), h('td', {}, h('span', { class: `state ${cls}` }, journalStatus(e))),
      h('td', { class: 'mono' }, journalError(e) || '–'),
      h('td', {}, e.fault ? h('code', {}, `${e.fault.rule} (${e.fault.effect})`) : '–'),
      h('td', { class: 'mono' }, (e.duration_us / 1000).toFixed(2))), more];
  });
}

function journalInfo(j) {
  const parts = [`${j.entries.length} shown`, `next since=${j.since}`];
  if (j.dropped) parts.push(`${j.dropped} older entries dropped by the journal (it keeps the newest)`);
  return parts.join(' · ');
}

/** Reads everything after `since` matching the filters (several pages when it has more). */
async function journalPoll(j) {
  if (j.polling) return;
  j.polling = true;
  const epoch = j.epoch;
  try {
    for (let page = 0; page < JOURNAL_PAGES; page += 1) {
      const q = new URLSearchParams({ since: String(j.since), limit: '1000' });
      if (j.method) q.set('method', j.method);
      if (j.status) q.set('status', j.status);
      const r = await sim(`sandboxes/${encodeURIComponent(j.sandbox)}/requests?${q}`);
      if (epoch !== j.epoch) return;
      j.entries.push(...r.data);
      if (j.entries.length > JOURNAL_ROWS) j.entries.splice(0, j.entries.length - JOURNAL_ROWS);
      j.since = r.next_since;
      j.dropped = r.dropped;
      j.error = null;
      if (r.data.length) journalPaint(j);
      if (!r.has_more) break;
    }
  } catch (e) {
    if (e instanceof AuthNeeded) throw e;
    if (epoch === j.epoch) { j.error = e.message; journalPaint(j); }
  } finally {
    j.polling = false;
    journalInfoPaint(j);
    // The filters changed (or the journal was cleared) while this poll ran: read again now.
    if (epoch !== j.epoch) run(() => journalPoll(j));
  }
}

/** Redraws the table of the journal view, if it is shown. */
function journalPaint(j) {
  const body = $('[data-testid=journal] tbody');
  if (!body) return;
  body.replaceChildren(...journalRows(j).flat());
  const err = $('[data-testid=journal-error]');
  err.hidden = !j.error;
  err.textContent = j.error || '';
  journalInfoPaint(j);
}

function journalInfoPaint(j) {
  const info = $('[data-testid=journal-info]');
  if (info) info.textContent = journalInfo(j);
  const view = $('[data-view=requests]');
  if (view) view.dataset.since = String(j.since);
}

async function requests(main) {
  const j = journalFor(current.id);
  const method = h('select', { 'aria-label': 'method', dataset: { testid: 'journal-method' } },
    [['', 'any method'], ['GET', 'GET'], ['POST', 'POST'], ['DELETE', 'DELETE']].map(([v, t]) => h('option', { value: v, selected: v === j.method }, t)));
  const status = h('select', { 'aria-label': 'status', dataset: { testid: 'journal-status' } },
    [['', 'any status'], ['2xx', '2xx'], ['4xx', '4xx'], ['5xx', '5xx'], ['dropped', 'dropped']].map(([v, t]) => h('option', { value: v, selected: v === j.status }, t)));
  const refilter = () => {
    j.method = method.value;
    j.status = status.value;
    journalRestart(j);
    journalPaint(j);
    run(() => journalPoll(j));
  };
  method.onchange = refilter;
  status.onchange = refilter;
  const clear = h('button', {
    dataset: { testid: 'journal-clear' },
    onclick: () => run(async () => {
      const r = await sim(`sandboxes/${encodeURIComponent(j.sandbox)}/requests`, { method: 'DELETE' });
      // Numbering goes on after a clear: keep `since`, forget the rows.
      j.epoch += 1;
      j.entries = [];
      j.open.clear();
      journalPaint(j);
      toast(`journal cleared (${r.cleared} entries)`);
    }),
  }, 'clear journal');
  main.append(h('section', { class: 'card' },
    h('h2', {}, 'Requests'),
    h('p', { class: 'muted' }, 'Every Graph request this sandbox served, newest first, followed live (GET …/requests?since=). Click a row for its parameters (tokens redacted).'),
    h('p', {}, method, ' ', status, ' ', clear, ' ', h('span', { class: 'muted', dataset: { testid: 'journal-info' } }, journalInfo(j))),
    h('p', { class: 'error', hidden: !j.error, dataset: { testid: 'journal-error' } }, j.error || ''),
    h('table', { dataset: { testid: 'journal' } },
      h('thead', {}, h('tr', {}, ['seq', 'sandbox time', 'method', 'path', 'status', 'error', 'fault', 'ms'].map((t) => h('th', {}, t)))),
      h('tbody', {}, journalRows(j).flat()))));
  main.dataset.since = String(j.since);
  run(() => journalPoll(j));
}

/** The views, in navigation order. `refresh` views re-render every REFRESH_MS while shown. */
const VIEWS = [
  { key: 'overview', title: 'Overview', render: overview },
  { key: 'account', title: null, render: account },
  { key: 'publishing', title: 'Publishing', render: publishing, refresh: true },
  { key: 'webhooks', title: 'Webhooks', render: webhooks, refresh: true },
  { key: 'events', title: 'Outside world', render: events },
  { key: 'requests', title: 'Requests', render: requests, poll: journalTick },
];

/** The journal view's live poll: entries after the last one seen, while it is shown. */
function journalTick() {
  if (journal && current && journal.sandbox === current.id && $('[data-view=requests]')) return journalPoll(journal);
  return undefined;
}

// ---- clock -----------------------------------------------------------------------------------

async function renderClock() {
  if (!current) return;
  const c = await sim(`sandboxes/${current.id}/clock`);
  const box = $('#clock');
  const custom = h('input', { size: 5, value: '30', 'aria-label': 'custom amount', dataset: { testid: 'advance-amount' } });
  const unit = h('select', { 'aria-label': 'unit' }, [['60', 'min'], ['3600', 'h'], ['86400', 'd']].map(([v, t]) => h('option', { value: v }, t)));
  const advance = (seconds) => run(async () => {
    await sim(`sandboxes/${current.id}/clock/advance`, { method: 'POST', body: { seconds } });
    await renderClock();
    route();
  });
  box.replaceChildren(...[
    h('span', { class: 'now', dataset: { testid: 'clock-now', now: c.now } }, iso(c.now)),
    h('span', { class: 'muted' }, c.frozen ? 'frozen' : 'running'),
    [['+1 h', 3600], ['+24 h', 86400], ['+7 d', 604800]].map(([t, s]) => h('button', { dataset: { advance: s }, onclick: () => advance(s) }, t)),
    custom, unit, h('button', { dataset: { testid: 'advance-custom' }, onclick: () => advance(Math.round(Number(custom.value) * Number(unit.value))) }, 'advance'),
    h('button', {
      dataset: { testid: c.frozen ? 'resume' : 'freeze' },
      onclick: () => run(async () => { await sim(`sandboxes/${current.id}/clock/${c.frozen ? 'resume' : 'freeze'}`, { method: 'POST' }); renderClock(); }),
    }, c.frozen ? 'resume' : 'freeze')].flat());
}

// ---- routing ---------------------------------------------------------------------------------

/** Replaces the page with the token form, saying why: the control plane's 401 `message`, and
 * whether the token this tab sent (`refused`) was the wrong one. */
function askToken(message, refused) {
  const main = $('#main');
  if ($('#token-form')) return;
  const input = h('input', { type: 'password', name: 'token', size: 40, autocomplete: 'off', 'aria-label': 'admin token' });
  main.replaceChildren(h('section', { class: 'card', dataset: { testid: 'auth-needed' } },
    h('h2', {}, 'Admin token'),
    h('p', { class: 'error', dataset: { testid: 'auth-message' } },
      refused ? 'The control plane refused the token this tab sent (401): ' : 'The control plane answered 401: ', message),
    h('p', {}, 'This igsim protects its control plane (--admin-token / IGSIM_ADMIN_TOKEN). Enter that token: it is sent as a Bearer token and kept in this tab only.'),
    h('form', {
      id: 'token-form',
      onsubmit: (e) => {
        e.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        current = null;
        // The form goes first: a refused token brings it back saying so.
        main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
        start();
      },
    }, input, ' ', h('button', { class: 'primary', type: 'submit' }, 'Use token'))));
}

let renderSeq = 0;

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const sandbox = parts[0] === 's' ? parts[1] : null;
  return { sandbox, view: parts[2] || 'overview', arg: parts[3], params: new URLSearchParams(query || '') };
}

async function route() {
  const seq = ++renderSeq;
  const { sandbox, view, arg, params } = parseHash();
  if (!sandbox) {
    location.hash = '#/s/default/overview';
    return;
  }
  const main = $('#main');
  try {
    if (!current || current.id !== sandbox) {
      main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
      current = await loadSandbox(sandbox);
      await renderSandboxes();
      await renderClock();
    }
    renderNav(view);
    const v = VIEWS.find((x) => x.key === view) || VIEWS[0];
    const fresh = h('div', { dataset: { view: v.key } });
    await v.render(fresh, arg, params);
    if (seq !== renderSeq) return; // a newer navigation won
    main.replaceChildren(fresh);
    document.body.dataset.rendered = String(seq);
  } catch (e) {
    if (e instanceof AuthNeeded) return;
    if (seq === renderSeq) main.replaceChildren(h('p', { class: 'error' }, e.message));
  }
}

function renderNav(active) {
  $('#nav').replaceChildren(...VIEWS.filter((v) => v.title).map((v) =>
    h('a', { href: `#/s/${current.id}/${v.key}`, class: v.key === active ? 'active' : '', dataset: { testid: `nav-${v.key}` } }, v.title)));
}

async function renderSandboxes() {
  const list = await sim('sandboxes');
  const select = $('#sandbox');
  select.replaceChildren(...list.data.map((id) => h('option', { value: id, selected: id === current.id }, id)));
  select.onchange = () => { location.hash = `#/s/${select.value}/overview`; };
}

/** Runs an action; failures become a toast instead of an unhandled rejection. */
function run(fn) {
  Promise.resolve().then(fn).catch((e) => { if (!(e instanceof AuthNeeded)) toast(e.message); });
}

function start() {
  route();
}

window.addEventListener('hashchange', route);
setInterval(() => {
  if (!current || document.hidden || $('#token-form')) return;
  run(renderClock);
  const v = VIEWS.find((x) => x.key === parseHash().view);
  if (v?.refresh && !document.querySelector('input:focus, select:focus')) route();
}, REFRESH_MS);
setInterval(() => {
  if (!current || document.hidden || $('#token-form')) return;
  const v = VIEWS.find((x) => x.key === parseHash().view);
  if (v?.poll) run(v.poll);
}, JOURNAL_POLL_MS);
start();
