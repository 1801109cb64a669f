import path from "node:path";

/**
 * Where every file of a tree lives, relative to a root. The same layout serves the local
 * output directory and the broker host's deploy directory. This layout is a public contract.
 */
export interface TreeLayout {
  root: string;
  caDir: string;
  caCert: string;
  caKey: string;
  serversDir: string;
  serverDir(name: string): string;
  serverCert(name: string): string;
  serverKey(name: string): string;
  clientsDir: string;
  clientDir(name: string): string;
  clientCert(name: string): string;
  clientKey(name: string): string;
  clientCommands(name: string): string;
  mosquittoDir: string;
  mosquittoConf: string;
  confDDir: string;
  serverConfD(name: string): string;
}

export function treeLayout(root: string): TreeLayout {
  const join = root.startsWith("/") ? path.posix.join : path.join;
  const at = (...parts: string[]) => join(root, ...parts);
  return {
    root,
    caDir: at("ca"),
    caCert: at("ca", "ca.crt"),
    caKey: at("ca", "ca.key"),
    serversDir: at("servers"),
    serverDir: (name) => at("servers", name),
    serverCert: (name) => at("servers", name, "server.crt"),
    serverKey: (name) => at("servers", name, "server.key"),
    clientsDir: at("clients"),
    clientDir: (name) => at("clients", name),
    clientCert: (name) => at("clients", name, "client.crt"),
    clientKey: (name) => at("clients", name, "client.key"),
    clientCommands: (name) => at("clients", name, "commands.sh"),
    mosquittoDir: at("mosquitto"),
    mosquittoConf: at("mosquitto", "mosquitto.conf"),
    confDDir: at("mosquitto", "conf.d"),
    serverConfD: (name) => at("mosquitto", "conf.d", `${name}.conf`),
  };
}
