// Every page but the sheet page: the header, fed by /ws/live/.
import { createHeader, connectLive, readJsonScript } from './header.js';

const config = readJsonScript('live-config');
if (config) {
  const header = createHeader(config);
  header.start();
  connectLive({ header, path: config.ws_path });
}
