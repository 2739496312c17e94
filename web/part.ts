/**
 * The web UI part: server-rendered pages on the web listener, reached only through
 * NodeService. Refuses to build when --web is reachable from elsewhere without a password,
 * adds the password check for writes (pages and JSON API, with back-off on wrong ones) and the
 * security headers.
 */
import type { PartFactory } from '../node/part';
import { PasswordTries, requirePasswordForWrites } from './access';
import { pagesPlugin } from './pages-plugin';
import { registerErrorPages } from './error-pages';
import { webDirs } from './paths';
import { securityHeaders } from './security-headers';
import { createViews } from './views';

/** Strict CSP: nothing inline, nothing from elsewhere; forms post only back here. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

export const webPart: PartFactory = (components) => {
  const { config, service, clock } = components;
  const dirs = webDirs();
  const views = createViews(dirs.templates, clock);
  // Tuning for benchmarks only (NEWSMESH_WEB_PAGE_CACHE=0 measures the uncached page path).
  const groupPageCache = config.tuning.webPageCache;
  return {
    name: 'web',
    webRoutes: [
      (app) => {
        if (config.webPassword) requirePasswordForWrites(app, config.webPassword, new PasswordTries(clock));
        // Plain HTTP on loopback: HSTS and upgrade-insecure-requests would only break it.
        // Referrer-Policy same-origin, not helmet's no-referrer: under no-referrer browsers send
        // `Origin: null` with the pages' own forms, which the owner guard cannot tell from a
        // sandboxed page of another site. Other sites still get no referrer.
        app.register(securityHeaders, {
          contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
          hsts: false,
          referrerPolicy: { policy: 'same-origin' },
        });
        app.register(pagesPlugin, { service, views, clock, groupPageCache, staticDir: dirs.static, formBodyLimit: app.bodyLimits.form });
        registerErrorPages(app, { service, views, clock });
      },
    ],
  };
};
