// An OpenID Connect provider on 127.0.0.1, configured like ProConnect, for the tests only.
//
// Endpoints under /api/v2/ (discovery, authorize, token, userinfo, session/end, jwks), a
// userinfo answered as a JWT signed with RS256, the client authenticated with
// client_secret_post, the claims of ProConnect's scopes, an access token valid 60 seconds,
// prompt=select_account refused (only login, consent and none are known), `auth_time` in every
// ID token, and an end-session endpoint that requires id_token_hint, state and
// post_logout_redirect_uri, as ProConnect's documentation does, then redirects at once. Its
// pages load nothing from outside the machine.
//
// Environment: OIDC_PORT, OIDC_CLIENT (JSON: client_id, client_secret, redirect_uri),
// OIDC_ACCOUNTS (JSON: login -> claims, each with its `sub`). Prints "ready <issuer>" once up.
//
// For the tests only, /test/ (on 127.0.0.1 like the rest) changes what comes next:
//   POST /test/userinfo      body "valid", "forged" (signed by a key not in the JWKS, under the
//                            published key id), "expired", "wrong-audience" or "wrong-issuer"
//   POST /test/login-age     body: seconds; the next logins are dated that long ago (auth_time)
//   GET  /test/state         JSON: the last access token and userinfo answered, the sessions
//                            ended and the end-session requests refused so far
// It never logs a token.

import { createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";

import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);
const issuer = `http://127.0.0.1:${port}/api/v2`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256", kid: "test-rs256" };
// A key the JWKS does not publish: what a forger would sign with.
const { privateKey: rogueKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

const control = {
  userinfo: "valid",
  loginAgeSeconds: 0,
  lastAccessToken: null,
  lastUserinfo: null,
  endedSessions: 0,
  refusedEndSessions: 0,
};
const USERINFO_MODES = ["valid", "forged", "expired", "wrong-audience", "wrong-issuer"];

function accountBySub(sub) {
  return Object.values(accounts).find((account) => account.sub === sub);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: [client.redirect_uri],
      post_logout_redirect_uris: [client.redirect_uri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
      userinfo_signed_response_alg: "RS256",
      // ProConnect's ID tokens carry auth_time: the app's 12 hours run from it.
      require_auth_time: true,
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  scopes: ["openid", "email", "given_name", "usual_name", "siret", "idp_id", "phone", "custom"],
  claims: {
    openid: ["sub"],
    email: ["email"],
    given_name: ["given_name"],
    usual_name: ["usual_name"],
    siret: ["siret"],
    idp_id: ["idp_id"],
    phone: ["phone_number"],
    custom: ["custom"],
  },
  routes: {
    authorization: "/authorize",
    token: "/token",
    userinfo: "/userinfo",
    end_session: "/session/end",
    jwks: "/jwks",
  },
  ttl: { AccessToken: 60, AuthorizationCode: 30, IdToken: 3600, Interaction: 600, Session: 43200, Grant: 43200 },
  pkce: { required: () => false },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // ProConnect ends the session without asking: the form is sent as soon as it loads.
      logoutSource: async (ctx, form) => {
        ctx.body = page(
          "Déconnexion",
          `${form}<input form="op.logoutForm" type="hidden" name="logout" value="yes">
<script>document.getElementById("op.logoutForm").submit();</script>`,
        );
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page("Vous êtes déconnecté·e", "");
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/api/v2/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => {
    const account = accountBySub(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ ...account }) };
  },
  renderError: async (ctx, out) => {
    ctx.type = "html";
    ctx.body = page(
      "Erreur du fournisseur d'identité",
      Object.entries(out).map(([k, v]) => `<p>${escapeHtml(k)} : ${escapeHtml(v)}</p>`).join(""),
    );
  },
});
provider.proxy = false;
provider.on("end_session.success", () => {
  control.endedSessions += 1;
});

function base64url(data) {
  return Buffer.from(data).toString("base64url");
}

function signJwt(header, claims, key) {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign("RSA-SHA256").update(input).sign(key);
  return `${input}.${base64url(signature)}`;
}

// The userinfo JWT the provider signed, changed as the test asked.
function tamperedUserinfo(jwt) {
  const [header, payload] = jwt.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url")));
  const now = Math.floor(Date.now() / 1000);
  switch (control.userinfo) {
    case "forged":
      return signJwt(header, payload, rogueKey);
    case "expired":
      return signJwt(header, { ...payload, iat: now - 7200, exp: now - 3600 }, privateKey);
    case "wrong-audience":
      return signJwt(header, { ...payload, aud: "another-service" }, privateKey);
    case "wrong-issuer":
      return signJwt(header, { ...payload, iss: "http://127.0.0.1:1/api/v2" }, privateKey);
    default:
      return jwt;
  }
}

// Keeps the userinfo answer (and the access token that asked for it) for GET /test/state,
// changing it first when the test asked for a bad one.
function watchUserinfo(req, res) {
  control.lastAccessToken = (req.headers.authorization || "").replace(/^Bearer /, "") || null;
  const end = res.end.bind(res);
  res.end = (body, ...rest) => {
    if (res.statusCode === 200 && body) {
      const answer = tamperedUserinfo(String(body));
      control.lastUserinfo = answer;
      if (!res.headersSent) res.setHeader("content-length", Buffer.byteLength(answer));
      return end(answer, ...rest);
    }
    return end(body, ...rest);
  };
}

// ProConnect requires these three on its end-session endpoint (its documentation, 2.4.1).
function endSessionProblem(url) {
  const params = url.searchParams;
  if (!params.get("id_token_hint")) return "id_token_hint manquant";
  if ((params.get("state") || "").length < 32) return "state manquant ou trop court (32 caractères au moins)";
  if (!params.get("post_logout_redirect_uri")) return "post_logout_redirect_uri manquant";
  return null;
}

async function testControl(req, res, url) {
  if (req.method === "GET" && url.pathname === "/test/state") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({
      access_token: control.lastAccessToken,
      userinfo: control.lastUserinfo,
      ended_sessions: control.endedSessions,
      refused_end_sessions: control.refusedEndSessions,
    }));
    return;
  }
  let body = "";
  for await (const chunk of req) body += chunk;
  body = body.trim();
  if (req.method === "POST" && url.pathname === "/test/userinfo" && USERINFO_MODES.includes(body)) {
    control.userinfo = body;
  } else if (req.method === "POST" && url.pathname === "/test/login-age" && /^\d+$/.test(body)) {
    control.loginAgeSeconds = Number(body);
  } else {
    res.writeHead(400).end();
    return;
  }
  console.log(`test control ${url.pathname} ${body}`);
  res.writeHead(204).end();
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  const { prompt, params, session } = details;

  if (action === "abort" && req.method === "POST") {
    // The person refuses: ProConnect sends them back with error=access_denied.
    await provider.interactionFinished(
      req, res, { error: "access_denied", error_description: "refused by the person" },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (prompt.name === "login" && action === "login" && req.method === "POST") {
    const form = await readForm(req);
    const account = accounts[form.get("login")];
    if (!account) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(loginPage(uid, "Compte inconnu."));
      return;
    }
    const ts = Math.floor(Date.now() / 1000) - control.loginAgeSeconds;
    await provider.interactionFinished(req, res, { login: { accountId: account.sub, ts } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === "login") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(loginPage(uid, ""));
    return;
  }
  // ProConnect shows no consent screen: the scopes asked are granted.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function loginPage(uid, problem) {
  return page(
    "Connexion ProConnect (test)",
    `${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ""}
<form method="post" action="/api/v2/interaction/${uid}/login">
  <label for="login">Identifiant de test</label>
  <input id="login" name="login" type="text" autofocus required>
  <button type="submit">Se connecter</button>
</form>
<form method="post" action="/api/v2/interaction/${uid}/abort">
  <button type="submit">Refuser</button>
</form>`,
  );
}

const handler = provider.callback();
const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname.startsWith("/test/")) {
      await testControl(req, res, url);
      return;
    }
    if (url.pathname === "/api/v2/session/end" && req.method === "GET") {
      const problem = endSessionProblem(url);
      if (problem) {
        control.refusedEndSessions += 1;
        console.log(`end session refused: ${problem}`);
        res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
        res.end(page("Erreur du fournisseur d'identité", `<p>${escapeHtml(problem)}</p>`));
        return;
      }
    }
    if (url.pathname === "/api/v2/userinfo") watchUserinfo(req, res);
    const match = url.pathname.match(/^\/api\/v2\/interaction\/([^/]+)(?:\/(login|abort))?$/);
    if (match) {
      await interaction(req, res, match[1], match[2]);
      return;
    }
    if (url.pathname.startsWith("/api/v2/")) {
      // Mounted under /api/v2 as ProConnect is: the provider sees the path without the prefix.
      req.originalUrl = req.url;
      req.url = req.url.slice("/api/v2".length);
      handler(req, res);
      return;
    }
    res.writeHead(404).end();
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
  }
});
server.listen(port, "127.0.0.1", () => console.log(`ready ${issuer}`));
