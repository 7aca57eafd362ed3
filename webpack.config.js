// Builds the demo games in www/ into www/dist, with playtrace from pkg/: the npm package as a
// game installs it, which needs no webpack option of its own. The canvas game is
// www/dist/game.js with index.html; the Phaser demo (www/phaser/, with the playtrace/phaser
// plugin) is www/dist/phaser/game.js with its page and assets. Their HTML and assets are copied
// as they are; playtrace's wasm is a file at the root, found from "/".
const fs = require("fs");
const path = require("path");

/** Files copied into dist as they are: www/FROM -> dist/TO. */
const COPIED = [
  ["index.html", "index.html"],
  ["phaser/index.html", "phaser/index.html"],
  ...fs.readdirSync(path.join(__dirname, "www", "phaser", "assets")).map((f) => [`phaser/assets/${f}`, `phaser/assets/${f}`]),
];

class CopyPages {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap("CopyPages", (compilation) => {
      compilation.hooks.processAssets.tap({ name: "CopyPages", stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONS }, () => {
        for (const [from, to] of COPIED) {
          const data = fs.readFileSync(path.join(__dirname, "www", from));
          compilation.emitAsset(to, new compiler.webpack.sources.RawSource(data));
        }
      });
    });
  }
}

module.exports = {
  mode: "production",
  entry: { game: "./www/game.js", "phaser/game": "./www/phaser/game.js" },
  output: { path: path.join(__dirname, "www", "dist"), filename: "[name].js", publicPath: "/", clean: true },
  resolve: {
    alias: {
      playtrace$: path.join(__dirname, "pkg", "playtrace.js"),
      "playtrace/websocket$": path.join(__dirname, "pkg", "websocket.js"),
      "playtrace/phaser$": path.join(__dirname, "pkg", "phaser.js"),
    },
  },
  performance: { hints: false },
  plugins: [new CopyPages()],
};
