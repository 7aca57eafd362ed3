// The Phaser demo: a Phaser 3 game traced by the playtrace/phaser plugin with no other code for
// boot, scenes, loads and frames. The Boot scene loads the game's files (one of them missing, to
// show a failed load) and the Menu scene's Play button is an action whose request reaches the
// devserver's game API, where the OpenTelemetry SDK continues the trace.
import Phaser from "phaser";
import { init } from "playtrace";
import PlaytracePlugin from "playtrace/phaser";

init({ serviceName: "phaser-demo", serviceVersion: "0.1.0", endpoint: "/v1/traces", flushIntervalMs: 1000 });

class Boot extends Phaser.Scene {
  constructor() {
    super("Boot");
  }

  preload() {
    this.load.svg("ship", "/phaser/assets/ship.svg");
    this.load.svg("star", "/phaser/assets/star.svg");
    this.load.json("level", "/phaser/assets/level.json");
    this.load.json("music", "/phaser/assets/music.json"); // not there: a failed load
  }

  create() {
    this.scene.start("Menu");
  }
}

class Menu extends Phaser.Scene {
  constructor() {
    super("Menu");
  }

  create() {
    const level = this.cache.json.get("level");
    for (let i = 0; i < level.stars; i++) this.add.image(Phaser.Math.Between(0, 480), Phaser.Math.Between(0, 270), "star");
    const ship = this.add.image(240, 150, "ship");
    this.tweens.add({ targets: ship, y: 130, yoyo: true, repeat: -1, duration: 900 });
    const status = this.add.text(240, 240, "", { color: "#e6e8ee" }).setOrigin(0.5);
    const play = this.add.text(240, 60, "Play", { color: "#0f1218", backgroundColor: "#9be37a", padding: { x: 18, y: 8 } })
      .setOrigin(0.5).setInteractive({ useHandCursor: true });
    const playtrace = this.plugins.get("playtrace");
    play.on("pointerdown", (pointer) =>
      playtrace.action("menu.play", pointer, async (span) => {
        status.setText("finding a match...");
        const res = await fetch("/api/game/leaderboard");
        const { leaderboard } = await res.json();
        span.setAttribute("leaderboard.size", leaderboard.length);
        // The ship takes off before the result shows: the action spans those frames.
        await new Promise((resolve) => this.tweens.add({ targets: ship, scale: 1.4, duration: 300, yoyo: true, onComplete: resolve }));
        status.setText(`${leaderboard.length} players on the leaderboard`);
      }).catch(() => status.setText("could not reach the server")));
    window.menuReady = true;
  }
}

new Phaser.Game({
  type: Phaser.CANVAS,
  width: 480,
  height: 270,
  parent: "game",
  backgroundColor: "#161b26",
  banner: false,
  audio: { noAudio: true },
  scene: [Boot, Menu],
  plugins: { global: [{ key: "playtrace", plugin: PlaytracePlugin, start: true }] },
});
