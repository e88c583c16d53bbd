// An OpenID Connect provider on 127.0.0.1, configured like ProConnect, for the tests only.
//
// Endpoints under /api/v2/ (discovery, authorize, token, userinfo, session/end, jwks), a
// userinfo answered as a JWT signed with RS256, the client authenticated with
// client_secret_post, the claims of ProConnect's scopes, an access token valid 60 seconds,
// prompt=select_account refused (only login, consent and none are known), and an end-session
// endpoint that redirects at once. Its pages load nothing from outside the machine.
//
// Environment: OIDC_PORT, OIDC_CLIENT (JSON: client_id, client_secret, redirect_uri),
// OIDC_ACCOUNTS (JSON: login -> claims, each with its `sub`). Prints "ready <issuer>" once up.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";

import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);
const issuer = `http://127.0.0.1:${port}/api/v2`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256", kid: "test-rs256" };

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
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
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
