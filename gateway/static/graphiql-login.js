// The GraphiQL page of the gateway (gateway/graphiql.html): GraphiQL plus a login bar.
//
// The bar logs in with tokenCreate, shows who is logged in, picks the tenant (X-Tenant-Id) and
// the academic session (X-Session-Id) among those `me` lists, refreshes the access token before
// it expires (tokenRefresh) and logs out (tokenRevoke). Plain JS, no build step, no other host.
//
// The login's headers are added by the fetcher, not written into GraphiQL's Headers tab:
// GraphiQL keeps that tab in localStorage (see sessionStorage below), a refresh would rewrite
// the tab under the user's cursor every few minutes, and a stale token pasted there would
// silently win over the bar. The bar shows the headers it adds; a header the user types in
// the Headers tab still wins, to try another token or tenant by hand.
(function () {
  'use strict';

  var ENDPOINT = '/graphql';
  // sessionStorage, not localStorage: the tokens live as long as this tab, are not shared with
  // other tabs (each may be another user), and the refresh token (valid for days) is not left
  // on disk for any later script of this origin to read.
  var STORE_KEY = 'campus.graphiql.login';
  var PLATFORM_ROLES = ['SUPER_ADMIN', 'PLATFORM_ADMIN']; // may switch to any tenant (DESIGN.md)

  var DEFAULT_QUERY = [
    '# Campus gateway: GraphQL over schools and hostels.',
    '#',
    '# Log in with the bar above (or pick a demo login). GraphiQL\'s',
    '# requests then carry Authorization, X-Tenant-Id and X-Session-Id',
    '# (shown in the bar; a header typed in Headers below wins).',
    '# Docs (book icon, left) describes every type and field.',
    '# Lists are Relay connections: first/after, filter, orderBy.',
    'query Me {',
    '  me {',
    '    user { email fullName }',
    '    rolesInForce',
    '    activeTenant { __typename ... on School { name } ... on Hostel { name } }',
    '    academicSession { name startDate endDate }',
    '  }',
    '}',
    ''
  ].join('\n');

  // The bar's own documents, each whole on one line: tests/test_graphiql_page.py runs them
  // against the server as this page does.
  var DOCS = {
    login: 'mutation GraphiQLLogin($input: TokenCreateInput!) { tokenCreate(input: $input) { accessToken refreshToken expiresAt errors { code message } } }',
    refresh: 'mutation GraphiQLTokenRefresh($input: TokenRefreshInput!) { tokenRefresh(input: $input) { accessToken refreshToken expiresAt errors { code message } } }',
    logout: 'mutation GraphiQLLogout { tokenRevoke { done errors { code message } } }',
    me: 'query GraphiQLMe { me { user { email fullName } rolesInForce memberships { role tenant { ...GraphiQLTenant } } switchableTenants { ...GraphiQLTenant } academicSession { id name } activeTenant { ...GraphiQLTenant ... on School { academicSessions(first: 50) { edges { node { id name active startDate } } } } } } } fragment GraphiQLTenant on Tenant { __typename ... on School { id name } ... on Hostel { id name } }',
    tenants: 'query GraphiQLTenants { schools(first: 100) { edges { node { id name } } } hostels(first: 100) { edges { node { id name } } } }'
  };

  var $ = function (id) { return document.getElementById(id); };
  var bar = $('login-bar');
  var state = load();          // {accessToken, refreshToken, expiresAt, lifetimeMs, tenantId, sessionId} or null
  var refreshTimer = null;
  var refreshing = null;       // the refresh in flight, shared by whoever needs a fresh token

  // ---- storage --------------------------------------------------------------------------

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || 'null');
      return saved && saved.accessToken ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function save() {
    if (state) window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    else window.sessionStorage.removeItem(STORE_KEY);
  }

  // ---- messages -------------------------------------------------------------------------

  // One line, replaced by the next: the latest outcome is the one that matters.
  function say(text, kind) {
    var line = $('bar-message');
    line.textContent = text || '';
    line.setAttribute('data-kind', kind || 'info');
  }

  // ---- HTTP -----------------------------------------------------------------------------

  function loginHeaders() {
    var headers = {};
    if (!state) return headers;
    headers.Authorization = 'Bearer ' + state.accessToken;
    if (state.tenantId) headers['X-Tenant-Id'] = state.tenantId;
    if (state.sessionId) headers['X-Session-Id'] = state.sessionId;
    return headers;
  }

  function post(body, headers) {
    var all = Object.assign({ 'Content-Type': 'application/json', 'Accept': 'application/json' }, headers || {});
    return fetch(ENDPOINT, {
      method: 'POST',
      headers: all,
      body: JSON.stringify(body),
      credentials: 'same-origin'
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          return {
            errors: [{
              message: 'HTTP ' + response.status + ' ' + response.statusText +
                ' — response is not JSON: ' + text.slice(0, 500)
            }]
          };
        }
      });
    });
  }

  // A request of the bar itself: the first error (GraphQL or the payload's UserError) is thrown.
  function call(query, variables, headers, field) {
    return post({ query: query, variables: variables || {} }, headers).then(function (result) {
      if (result.errors && result.errors.length) throw new Error(result.errors[0].message);
      var data = result.data || {};
      var payload = field ? data[field] : data;
      if (field && payload && payload.errors && payload.errors.length) throw new Error(payload.errors[0].message);
      return payload;
    });
  }

  // ---- tokens ---------------------------------------------------------------------------

  function keepTokens(tokens) {
    var expires = Date.parse(tokens.expiresAt);
    state = Object.assign(state || {}, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: expires,
      lifetimeMs: Math.max(1000, expires - Date.now())
    });
    save();
    scheduleRefresh();
  }

  // Refresh a little before expiry: a minute, or a fifth of a short lifetime (tests use 1 minute).
  function refreshLeadMs() {
    return Math.max(5000, Math.min(60000, (state.lifetimeMs || 900000) / 5));
  }

  function scheduleRefresh() {
    window.clearTimeout(refreshTimer);
    if (!state) return;
    var wait = Math.max(0, state.expiresAt - refreshLeadMs() - Date.now());
    refreshTimer = window.setTimeout(function () { refresh().catch(function () {}); }, wait);
  }

  function refresh() {
    if (!state) return Promise.reject(new Error('Not logged in.'));
    if (!refreshing) {
      refreshing = call(DOCS.refresh, { input: { refreshToken: state.refreshToken } }, {}, 'tokenRefresh')
        .then(function (tokens) {
          keepTokens(tokens);
          bar.setAttribute('data-refreshed', String(Date.now()));
          if ($('bar-message').textContent.indexOf('Cannot reach') === 0) say('');
        }, function (error) {
          if (error instanceof TypeError) {  // fetch could not reach the server: keep the login, try again
            say('Cannot reach the server to refresh the login; trying again in 10 s.', 'error');
            window.clearTimeout(refreshTimer);
            refreshTimer = window.setTimeout(function () { refresh().catch(function () {}); }, 10000);
            throw error;
          }
          forget();
          say('Your login ended: ' + error.message + (/log in again/i.test(error.message) ? '' : ' Log in again.'),
            'error');
          throw error;
        })
        .finally(function () { refreshing = null; });
    }
    return refreshing;
  }

  // A token about to expire (a laptop woke up, the timer was late) is refreshed before use.
  function freshToken() {
    if (state && state.expiresAt - Date.now() < 5000) return refresh();
    return Promise.resolve();
  }

  function forget() {
    window.clearTimeout(refreshTimer);
    state = null;
    save();
    render(null);
  }

  // ---- the bar --------------------------------------------------------------------------

  function tenantLabel(t) {
    return t.name + ' (' + t.__typename + ')';
  }

  function option(select, value, text, selected) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    o.selected = !!selected;
    select.appendChild(o);
  }

  function showSentHeaders() {
    var headers = loginHeaders();
    $('sent-headers').textContent = Object.keys(headers).map(function (name) {
      var value = name === 'Authorization' ? 'Bearer …' + headers[name].slice(-6) : headers[name];
      return name + ': ' + value;
    }).join(' · ');
  }

  function render(me, allTenants) {
    if (!me) {
      bar.setAttribute('data-state', 'out');
      $('session-bar').hidden = true;
      $('login-submit').disabled = false;
      return;
    }
    bar.setAttribute('data-state', 'in');
    $('session-bar').hidden = false;
    $('who').textContent = me.user.fullName || me.user.email;
    $('who').setAttribute('data-email', me.user.email);
    $('roles').textContent = me.rolesInForce.length ? me.rolesInForce.join(', ') : 'no role in this tenant';

    // tenants: those `me` lists (memberships and switchable ones); platform roles may take any
    var seen = {};
    var tenants = [];
    function add(t) {
      if (t && !seen[t.id]) { seen[t.id] = true; tenants.push(t); }
    }
    me.switchableTenants.forEach(add);
    me.memberships.forEach(function (m) { add(m.tenant); });
    (allTenants || []).forEach(add);
    var active = me.activeTenant;
    add(active);
    var picker = $('tenant-picker');
    picker.textContent = '';
    option(picker, '', active && !state.tenantId ? 'login default: ' + tenantLabel(active) :
      (state.tenantId ? 'login default' : 'none (across tenants)'), !state.tenantId);
    tenants.forEach(function (t) {
      option(picker, t.id, tenantLabel(t), state.tenantId === t.id);
    });
    picker.disabled = tenants.length === 0;

    // academic sessions of the active school
    var sessions = active && active.academicSessions ? active.academicSessions.edges.map(function (e) {
      return e.node;
    }) : [];
    var sessionPicker = $('session-picker');
    sessionPicker.textContent = '';
    $('session-label').hidden = !(active && active.__typename === 'School');
    var current = me.academicSession;
    option(sessionPicker, '', current && !state.sessionId ? 'current: ' + current.name : 'the school\'s current',
      !state.sessionId);
    sessions.forEach(function (s) {
      option(sessionPicker, s.id, s.name + (s.active ? '' : ' (inactive)'), state.sessionId === s.id);
    });
    showSentHeaders();
  }

  function platformRoles(me) {
    return me.memberships.some(function (m) { return !m.tenant && PLATFORM_ROLES.indexOf(m.role) !== -1; });
  }

  // `me` as the headers now say; platform roles also get every school and hostel to pick from.
  function loadMe() {
    return freshToken().then(function () {
      return call(DOCS.me, {}, loginHeaders());
    }).then(function (data) {
      if (!data.me) throw new Error('The server does not know this login any more.');
      if (!platformRoles(data.me)) return [data.me, []];
      return call(DOCS.tenants, {}, loginHeaders()).then(function (all) {
        var nodes = function (c) { return c ? c.edges.map(function (e) { return e.node; }) : []; };
        return [data.me, nodes(all.schools).map(function (n) { return Object.assign({ __typename: 'School' }, n); })
          .concat(nodes(all.hostels).map(function (n) { return Object.assign({ __typename: 'Hostel' }, n); }))];
      });
    }).then(function (both) {
      render(both[0], both[1]);
      return both[0];
    });
  }

  function login(event) {
    event.preventDefault();
    var email = $('login-email').value.trim();
    var password = $('login-password').value;
    if (!email || !password) {
      say('Enter an email and a password.', 'error');
      return;
    }
    $('login-submit').disabled = true;
    say('Logging in…');
    call(DOCS.login, { input: { email: email, password: password } }, {}, 'tokenCreate')
      .then(function (tokens) {
        state = null;
        keepTokens(tokens);
        $('login-password').value = '';
        return loadMe();
      })
      .then(function (me) {
        say('Logged in as ' + me.user.email + '.');
      })
      .catch(function (error) {
        if (state) forget();
        $('login-submit').disabled = false;
        say('Login failed: ' + error.message, 'error');
      });
  }

  function logout() {
    $('logout').disabled = true;
    // the server ends this session (the refresh token dies with it); the tab forgets either way.
    // An expired access token is refreshed first, else the server could not tell which session.
    freshToken()
      .then(function () { return call(DOCS.logout, {}, loginHeaders(), 'tokenRevoke'); })
      .then(function () { say('Logged out.'); },
        function (error) { say('Logged out here; the server said: ' + error.message, 'error'); })
      .finally(function () {
        $('logout').disabled = false;
        forget();
      });
  }

  // A picker changes a header; `me` is read again with it, and a refusal puts the old value back.
  function pick(key, value, resetSession) {
    if (!state) return;
    var before = { tenantId: state.tenantId, sessionId: state.sessionId };
    state[key] = value || null;
    if (resetSession) state.sessionId = null;
    save();
    say('');
    loadMe().catch(function (error) {
      if (!state) return;  // the login itself ended (refresh refused): already said
      state.tenantId = before.tenantId;
      state.sessionId = before.sessionId;
      save();
      say('Cannot switch: ' + error.message, 'error');
      return loadMe().catch(function () {});
    });
  }

  function fillDemoLogins() {
    var demo = $('demo-logins');
    if (!demo) return;
    demo.addEventListener('change', function () {
      if (!demo.value) return;
      $('login-email').value = demo.value;
      $('login-password').value = demo.getAttribute('data-password') || '';
    });
  }

  // ---- GraphiQL -------------------------------------------------------------------------

  // Headers typed in the editor, minus empty values.
  function editorHeaders(headers) {
    var out = {};
    if (!headers || typeof headers !== 'object') return out;
    Object.keys(headers).forEach(function (name) {
      var value = headers[name];
      if (value === undefined || value === null || String(value).trim() === '') return;
      out[name] = String(value);
    });
    return out;
  }

  function unauthenticated(result) {
    return !!(result && result.errors && result.errors.some(function (e) {
      return e.extensions && e.extensions.code === 'UNAUTHENTICATED';
    }));
  }

  // Every GraphiQL request (introspection included) carries the login's headers; a header of
  // the same name typed in the Headers tab wins (names compared without case). When the server
  // refuses the bar's token (expired while the tab slept, ended elsewhere), the bar refreshes it
  // once and sends the request again; a refused refresh logs the bar out with one line.
  function fetcher(graphQLParams, opts) {
    var typed = editorHeaders(opts && opts.headers);
    var typedNames = Object.keys(typed).map(function (n) { return n.toLowerCase(); });
    var usesBarToken = function () { return !!state && typedNames.indexOf('authorization') === -1; };
    function headers() {
      var out = {};
      var mine = loginHeaders();
      Object.keys(mine).forEach(function (name) {
        if (typedNames.indexOf(name.toLowerCase()) === -1) out[name] = mine[name];
      });
      return Object.assign(out, typed);
    }
    function send() {
      return post(graphQLParams, headers());
    }
    if (isSubscription(graphQLParams, opts)) {
      return freshToken().catch(function () {}).then(function () { return subscribe(graphQLParams, opts, headers()); });
    }
    return freshToken().catch(function () {}).then(send).then(function (result) {
      if (!usesBarToken() || !unauthenticated(result)) return result;
      return refresh().then(send, function () { return result; });
    });
  }

  // Subscriptions run over a WebSocket on the same path (graphql-transport-ws, gateway/live.py):
  // GraphiQL's own fetcher opens it (graphql-ws, bundled in graphiql.min.js), with the headers
  // the request would carry as connection_init's payload, where the server reads them. A token
  // refreshed later is not the socket's: the server closes it (4403) when its token expires.
  function isSubscription(graphQLParams, opts) {
    var doc = opts && opts.documentAST;
    var name = graphQLParams.operationName || undefined;
    return !!doc && doc.definitions.some(function (d) {
      return d.kind === 'OperationDefinition' && d.operation === 'subscription' &&
        (d.name ? d.name.value : undefined) === name;
    });
  }

  function subscribe(graphQLParams, opts, headers) {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + ENDPOINT;
    var live = GraphiQL.createFetcher({ url: ENDPOINT, subscriptionUrl: url, wsConnectionParams: headers });
    return live(graphQLParams, opts);
  }

  function showError(message) {
    var root = $('graphiql');
    root.textContent = '';
    var box = document.createElement('div');
    box.id = 'graphiql-error';
    box.textContent = message;
    root.appendChild(box);
  }

  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('tenant-picker').addEventListener('change', function (e) { pick('tenantId', e.target.value, true); });
  $('session-picker').addEventListener('change', function (e) { pick('sessionId', e.target.value, false); });
  fillDemoLogins();

  if (state) {  // a reload of this tab: same login, refreshed if it expired meanwhile
    scheduleRefresh();
    loadMe().catch(function (error) {
      forget();
      say('Log in again (' + error.message + ').', 'error');
    });
  } else {
    render(null);
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    showError('GraphiQL assets failed to load from /static/graphiql/ ' +
      '(React: ' + !!window.React + ', ReactDOM: ' + !!window.ReactDOM +
      ', GraphiQL: ' + !!window.GraphiQL + ').');
    return;
  }
  ReactDOM.createRoot($('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      isHeadersEditorEnabled: true,
      // headers typed by hand may hold a token: not into localStorage (GraphiQL's storage)
      shouldPersistHeaders: false
    })
  );
})();
