// The setups a game is built with, each a fresh project that installs the packed playtrace
// tarball and the bundler at a pinned version from the registry, with no plugin and no
// playtrace-specific option: only the command each tool's own "getting started" shows.
//   files   written into the project (game/main.js is copied in as `entry`)
//   build   the build command, run in the project
//   root    the folder served to the browser after the build
//   dev     instead of building: a dev server command, PORT replaced by a free port
//   wasm    where the engine's wasm comes from there: "file" (the .wasm beside the module) or
//           "inline" (the package's gzipped copy, where the setup does not emit the file)

const page = (title, script, head = "") => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">${head}</head>
<body><canvas id="game" width="320" height="180"></canvas>
${script}
</body></html>
`;

/** A Vite project at `version`, built with `vite build`. */
const vite = (name, version) => ({
  name,
  devDependencies: { vite: version },
  entry: "main.js",
  files: { "index.html": page(name, `<script type="module" src="/main.js"></script>`) },
  build: ["node_modules/.bin/vite", "build", "--logLevel", "warn"],
  root: "dist",
  wasm: "file",
});

/** The same Vite project, served by `vite` (its dev server) instead of built. */
const viteDev = (name, project) => ({
  name,
  project,
  dev: ["node_modules/.bin/vite", "--host", "127.0.0.1", "--port", "PORT", "--strictPort"],
  wasm: "inline", // Vite's dev server pre-bundles dependencies away from their files
});

export const SETUPS = [
  vite("vite", "7.3.8"),
  viteDev("vite-dev", "vite"),
  vite("vite6", "6.4.6"),
  viteDev("vite6-dev", "vite6"),
  {
    name: "webpack",
    devDependencies: { webpack: "5.112.2", "webpack-cli": "7.3.1" },
    entry: "src/index.js", // webpack's zero-config entry; the bundle is dist/main.js
    files: { "dist/index.html": page("webpack", `<script src="main.js"></script>`) },
    build: ["node_modules/.bin/webpack", "--mode", "production", "--no-stats"],
    root: "dist",
    wasm: "file",
  },
  {
    name: "esbuild",
    devDependencies: { esbuild: "0.28.2" },
    entry: "main.js",
    files: { "dist/index.html": page("esbuild", `<script src="main.js"></script>`) },
    // esbuild's default format for the browser is an iife, which has no import.meta.url.
    build: ["node_modules/.bin/esbuild", "main.js", "--bundle", "--minify", "--outfile=dist/main.js", "--log-level=error"],
    root: "dist",
    wasm: "inline",
  },
  {
    name: "plain",
    devDependencies: {},
    entry: "main.js",
    files: {
      "index.html": page("plain", `<script type="importmap">{ "imports": { "playtrace": "./node_modules/playtrace/playtrace.js", "playtrace/websocket": "./node_modules/playtrace/websocket.js" } }</script>
<script type="module" src="./main.js"></script>`,
      // As the README's plain-page setup writes it: both fetched while the page is read.
      `<link rel="modulepreload" href="./node_modules/playtrace/playtrace.js">
<link rel="preload" href="./node_modules/playtrace/playtrace_wasm_bg.wasm" as="fetch" crossorigin>`),
    },
    root: ".",
    wasm: "file",
  },
];
