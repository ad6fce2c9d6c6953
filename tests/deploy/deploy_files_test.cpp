// The files of deploy/ that cannot run here (no systemd as PID 1, no container engine, no cluster),
// checked as far as these machines allow:
//   - the systemd unit verifies with `systemd-analyze verify` (ExecStart pointed at the built binary in a
//     copy), keeps its hardening and scores at most 2.0 on `systemd-analyze security --offline`;
//   - deploy/config/homebase.yaml, the config of all three, passes `homebase --check-config` with real keys
//     in place of /etc/homebase/keys, and the ConfigMap holds exactly its text;
//   - the compose file passes `docker-compose config` (Compose's schema; no engine needed);
//   - every Kubernetes manifest and the compose file parse (yaml-cpp), with probes on /healthz and /readyz,
//     the store on a PersistentVolumeClaim or volume, the keys from a read-only Secret, non-root, a
//     read-only root file system, resources;
//   - the Dockerfile: two Debian 12 slim stages, a non-root user, the health check, and a run-time stage
//     that installs the Debian package of every shared library the built binary links (ldd, dpkg -S).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/integration/gateway_harness.hpp"

namespace homebase::testing {
namespace {

namespace fs = std::filesystem;

fs::path repo(const std::string& relative) {
  return (fs::path(HOMEBASE_TEST_DATA_DIR) / ".." / relative).lexically_normal();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The unit's settings, KEY -> every value given (in order), sections ignored.
std::multimap<std::string, std::string> unit_settings(const fs::path& unit) {
  std::multimap<std::string, std::string> out;
  std::istringstream lines(read_file(unit));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    auto eq = line.find('=');
    if (eq != std::string::npos) out.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

std::string one(const std::multimap<std::string, std::string>& settings, const std::string& key) {
  auto [first, last] = settings.equal_range(key);
  if (first == last) return "<absent>";
  return std::prev(last)->second;
}

// A copy of the unit whose commands run the binary just built (verify checks that they exist).
fs::path unit_copy(const temp_dir& dir) {
  auto copy = dir.path() / "homebase.service";
  write_file(copy, replace_all(read_file(repo("deploy/systemd/homebase.service")), "/usr/local/bin/homebase",
                               homebase_binary()));
  return copy;
}

TEST(systemd_unit, verifies_with_systemd_analyze) {
  temp_dir dir;
  auto copy = unit_copy(dir);
  std::string output;
  int status = run({"systemd-analyze", "verify", copy.string()}, output);
  ASSERT_NE(status, -1) << output << ": deploy/install-deps.sh --test installs systemd";
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

TEST(systemd_unit, exposure_is_at_most_2_on_systemd_analyze_security) {
  temp_dir dir;
  auto copy = unit_copy(dir);
  std::string output;
  // --threshold counts tenths: 20 is the "OK" exposure level 2.0 (the unit scores 1.2).
  int status =
      run({"systemd-analyze", "security", "--offline=yes", "--threshold=20", "--no-pager", copy.string()},
          output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("Overall exposure level for homebase.service"), std::string::npos) << output;
}

TEST(systemd_unit, is_notify_with_a_watchdog_hardened_and_keeps_the_store_in_var_lib) {
  auto s = unit_settings(repo("deploy/systemd/homebase.service"));
  EXPECT_EQ(one(s, "Type"), "notify");
  EXPECT_EQ(one(s, "NotifyAccess"), "main");
  EXPECT_NE(one(s, "WatchdogSec"), "<absent>");
  EXPECT_EQ(one(s, "ExecStart"), "/usr/local/bin/homebase --config /etc/homebase/homebase.yaml");
  EXPECT_EQ(one(s, "ExecReload"), "/bin/kill -HUP $MAINPID");
  EXPECT_EQ(one(s, "User"), "homebase");
  EXPECT_EQ(one(s, "StateDirectory"), "homebase");
  EXPECT_EQ(one(s, "ReadWritePaths"), "/var/lib/homebase");
  EXPECT_EQ(one(s, "Environment"), "HOMEBASE_STORE_PATH=%S/homebase/homebase.db");
  for (const char* key :
       {"NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "RestrictSUIDSGID",
        "MemoryDenyWriteExecute", "LockPersonality", "RestrictNamespaces"})
    EXPECT_EQ(one(s, key), "yes") << key;
  EXPECT_EQ(one(s, "ProtectSystem"), "strict");
  EXPECT_EQ(one(s, "CapabilityBoundingSet"), "");
  EXPECT_EQ(one(s, "RestrictAddressFamilies"), "AF_INET AF_INET6 AF_UNIX");
  auto [first, last] = s.equal_range("SystemCallFilter");
  std::vector<std::string> filters;
  for (auto it = first; it != last; ++it) filters.push_back(it->second);
  EXPECT_EQ(filters, (std::vector<std::string>{"@system-service", "~@privileged"}));
}

// --- the deployment config ------------------------------------------------------------------------------

// Makes the files deploy/config/homebase.yaml expects in /etc/homebase/keys, in `keys`.
void make_keys(const fs::path& keys) {
  fs::create_directories(keys);
  std::string output;
  ASSERT_EQ(run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                 "/CN=homebase.example.org", "-keyout", (keys / "tls.key").string(), "-out",
                 (keys / "tls.crt").string()},
                output),
            0)
      << output;
  for (const char* name : {"homebase-delivery", "oncall-operator", "st-elsewhere-nicu"}) {
    auto pem = keys / (std::string(name) + ".pem");
    ASSERT_EQ(run({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                   pem.string()},
                  output),
              0)
        << output;
    if (std::string(name) == "homebase-delivery") continue;
    ASSERT_EQ(run({homebase_binary(), "jwks", "--key", pem.string(), "--kid", name}, output), 0) << output;
    write_file(keys / (std::string(name) + ".jwks.json"), output);
  }
}

TEST(deploy_config, passes_check_config_with_its_keys_in_place) {
  temp_dir dir;
  make_keys(dir.path() / "keys");
  auto text = read_file(repo("deploy/config/homebase.yaml"));
  ASSERT_NE(text.find("/etc/homebase/keys/"), std::string::npos);
  auto config = dir.path() / "homebase.yaml";
  write_file(config,
             replace_all(replace_all(text, "/etc/homebase/keys/", (dir.path() / "keys").string() + "/"),
                         "/var/lib/homebase/", dir.path().string() + "/"));
  std::string output;
  EXPECT_EQ(run({homebase_binary(), "--check-config", config.string()}, output), 0) << output;
  EXPECT_EQ(output.rfind("config OK: ", 0), 0u) << output;  // then the summary (cli/check_config_command)
  EXPECT_NE(output.find("listen: https://0.0.0.0:8443"), std::string::npos) << output;
  auto parsed = YAML::LoadFile(repo("deploy/config/homebase.yaml").string());
  EXPECT_EQ(parsed["store"]["path"].as<std::string>(), "/var/lib/homebase/homebase.db");
  EXPECT_FALSE(parsed["auth"]["development_mode"].as<bool>());
}

// --- Kubernetes -----------------------------------------------------------------------------------------

// Every document of every manifest, by kind.
std::map<std::string, YAML::Node> manifests() {
  std::map<std::string, YAML::Node> by_kind;
  for (const auto& entry : fs::directory_iterator(repo("deploy/kubernetes"))) {
    if (entry.path().extension() != ".yaml") continue;
    for (const auto& doc : YAML::LoadAllFromFile(entry.path().string())) {
      EXPECT_TRUE(doc["kind"].IsScalar()) << entry.path();
      if (!doc["kind"].IsScalar()) continue;
      auto kind = doc["kind"].as<std::string>();
      if (kind != "Kustomization") {
        EXPECT_TRUE(doc["apiVersion"].IsScalar()) << entry.path();
        EXPECT_TRUE(doc["metadata"]["name"].IsScalar()) << entry.path();
        if (kind != "Namespace") {
          EXPECT_EQ(doc["metadata"]["namespace"].as<std::string>(""), "homebase") << entry.path();
        }
      }
      EXPECT_FALSE(by_kind.contains(kind)) << "two " << kind;
      by_kind[kind] = doc;
    }
  }
  return by_kind;
}

YAML::Node named(const YAML::Node& list, const std::string& name) {
  for (const auto& item : list)
    if (item["name"].as<std::string>("") == name) return item;
  return YAML::Node();
}

TEST(kubernetes, every_manifest_parses_and_the_kustomization_lists_all_but_the_secret_template) {
  auto all = manifests();
  for (const char* kind : {"Namespace", "ConfigMap", "Secret", "PersistentVolumeClaim", "StatefulSet",
                           "Service", "Kustomization"})
    EXPECT_TRUE(all.contains(kind)) << kind;
  std::set<std::string> listed;
  for (const auto& r : all["Kustomization"]["resources"]) listed.insert(r.as<std::string>());
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(repo("deploy/kubernetes")))
    if (entry.path().extension() == ".yaml" && entry.path().filename() != "kustomization.yaml")
      files.insert(entry.path().filename().string());
  files.erase("secret.yaml");  // placeholders: an apply must never overwrite the real keys
  EXPECT_EQ(listed, files);
}

TEST(kubernetes, one_replica_probes_on_healthz_and_readyz_over_the_configured_port) {
  auto all = manifests();
  auto set = all["StatefulSet"]["spec"];
  EXPECT_EQ(set["replicas"].as<int>(), 1) << "the SQLite store has one writer";
  auto pod = set["template"]["spec"];
  ASSERT_EQ(pod["containers"].size(), 1u);
  auto c = pod["containers"][0];
  auto config = YAML::Load(all["ConfigMap"]["data"]["homebase.yaml"].as<std::string>());
  auto port = config["server"]["port"].as<int>();
  EXPECT_EQ(named(c["ports"], "https")["containerPort"].as<int>(), port);
  for (const char* probe : {"startupProbe", "livenessProbe", "readinessProbe"}) {
    auto get = c[probe]["httpGet"];
    EXPECT_EQ(get["port"].as<std::string>(), "https") << probe;
    EXPECT_EQ(get["scheme"].as<std::string>(), config["server"]["tls"] ? "HTTPS" : "HTTP") << probe;
  }
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(c["startupProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(c["args"][1].as<std::string>(), "/etc/homebase/homebase.yaml");
  // Room for the shutdown deadline, then the store's drain.
  EXPECT_GT(pod["terminationGracePeriodSeconds"].as<int>() * 1000,
            config["server"]["shutdown_deadline_ms"].as<int>());
  EXPECT_TRUE(c["resources"]["requests"]["memory"].IsScalar());
  EXPECT_TRUE(c["resources"]["limits"]["memory"].IsScalar());
  EXPECT_TRUE(c["resources"]["limits"]["cpu"].IsScalar());
}

TEST(kubernetes, store_on_the_claim_keys_from_a_read_only_secret_config_from_the_configmap) {
  auto all = manifests();
  auto pod = all["StatefulSet"]["spec"]["template"]["spec"];
  auto mounts = pod["containers"][0]["volumeMounts"];
  auto volumes = pod["volumes"];
  auto mount_at = [&](const std::string& path) -> YAML::Node {
    for (const auto& m : mounts)
      if (m["mountPath"].as<std::string>() == path) return m;
    return YAML::Node();
  };
  auto store = mount_at("/var/lib/homebase");
  ASSERT_TRUE(store.IsMap());
  EXPECT_EQ(
      named(volumes, store["name"].as<std::string>())["persistentVolumeClaim"]["claimName"].as<std::string>(),
      all["PersistentVolumeClaim"]["metadata"]["name"].as<std::string>());
  EXPECT_EQ(all["PersistentVolumeClaim"]["spec"]["accessModes"][0].as<std::string>(), "ReadWriteOnce");

  auto keys = mount_at("/etc/homebase/keys");
  ASSERT_TRUE(keys.IsMap());
  EXPECT_TRUE(keys["readOnly"].as<bool>());
  EXPECT_EQ(named(volumes, keys["name"].as<std::string>())["secret"]["secretName"].as<std::string>(),
            all["Secret"]["metadata"]["name"].as<std::string>());

  auto config = mount_at("/etc/homebase/homebase.yaml");
  ASSERT_TRUE(config.IsMap());
  EXPECT_TRUE(config["readOnly"].as<bool>());
  EXPECT_EQ(config["subPath"].as<std::string>(), "homebase.yaml");
  EXPECT_EQ(named(volumes, config["name"].as<std::string>())["configMap"]["name"].as<std::string>(),
            all["ConfigMap"]["metadata"]["name"].as<std::string>());
  EXPECT_TRUE(mount_at("/tmp").IsMap()) << "SQLite's temporary files on a read-only root";
}

TEST(kubernetes, runs_as_non_root_on_a_read_only_root_without_privileges) {
  auto pod = manifests()["StatefulSet"]["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_NE(pod["securityContext"]["runAsUser"].as<int>(), 0);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  EXPECT_FALSE(pod["automountServiceAccountToken"].as<bool>());
  auto c = pod["containers"][0]["securityContext"];
  EXPECT_TRUE(c["readOnlyRootFilesystem"].as<bool>());
  EXPECT_TRUE(c["runAsNonRoot"].as<bool>());
  EXPECT_FALSE(c["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(c["capabilities"]["drop"][0].as<std::string>(), "ALL");
}

TEST(kubernetes, configmap_is_the_deploy_config_and_the_secret_holds_every_key_it_names) {
  auto all = manifests();
  auto text = read_file(repo("deploy/config/homebase.yaml"));
  EXPECT_EQ(all["ConfigMap"]["data"]["homebase.yaml"].as<std::string>(), text)
      << "deploy/kubernetes/configmap.yaml differs from deploy/config/homebase.yaml";
  std::regex key_file("/etc/homebase/keys/([A-Za-z0-9._-]+)");
  int named_keys = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), key_file), end; it != end; ++it, ++named_keys)
    EXPECT_TRUE(all["Secret"]["stringData"][(*it)[1].str()].IsScalar()) << (*it)[1].str();
  EXPECT_GE(named_keys, 4);
}

// --- Docker ---------------------------------------------------------------------------------------------

TEST(compose, one_gateway_non_root_read_only_store_on_a_volume_health_on_healthz) {
  auto doc = YAML::LoadFile(repo("deploy/docker/compose.yaml").string());
  ASSERT_EQ(doc["services"].size(), 1u);
  auto s = doc["services"]["homebase"];
  EXPECT_EQ(s["build"]["dockerfile"].as<std::string>(), "deploy/docker/Dockerfile");
  EXPECT_TRUE(fs::exists(repo("deploy/docker") / s["build"]["context"].as<std::string>() /
                         s["build"]["dockerfile"].as<std::string>()));
  EXPECT_NE(s["user"].as<std::string>().rfind("0:", 0), 0u);
  EXPECT_TRUE(s["read_only"].as<bool>());
  EXPECT_EQ(s["cap_drop"][0].as<std::string>(), "ALL");
  std::set<std::string> volumes;
  for (const auto& v : s["volumes"]) volumes.insert(v.as<std::string>());
  EXPECT_TRUE(volumes.contains("homebase-store:/var/lib/homebase"));
  EXPECT_TRUE(volumes.contains("./keys:/etc/homebase/keys:ro"));
  EXPECT_TRUE(volumes.contains("../config/homebase.yaml:/etc/homebase/homebase.yaml:ro"));
  EXPECT_TRUE(doc["volumes"]["homebase-store"].IsDefined());
  std::string test;
  for (const auto& part : s["healthcheck"]["test"]) test += part.as<std::string>() + " ";
  EXPECT_NE(test.find("https://127.0.0.1:8443/healthz"), std::string::npos) << test;
}

TEST(compose, passes_the_compose_schema_of_docker_compose_config) {
  std::string output;
  int status =
      run({"docker-compose", "-f", repo("deploy/docker/compose.yaml").string(), "config", "-q"}, output);
  ASSERT_NE(status, -1) << output << ": deploy/install-deps.sh --test installs docker-compose";
  EXPECT_EQ(status, 0) << output;
}

TEST(dockerfile, two_debian_12_slim_stages_non_root_volume_health_check) {
  auto text = read_file(repo("deploy/docker/Dockerfile"));
  std::regex from("^FROM debian:12-slim", std::regex::multiline);
  EXPECT_EQ(std::distance(std::sregex_iterator(text.begin(), text.end(), from), std::sregex_iterator()), 2);
  EXPECT_NE(text.find("\nUSER 10001:10001\n"), std::string::npos);
  EXPECT_NE(text.find("\nVOLUME [\"/var/lib/homebase\"]\n"), std::string::npos);
  EXPECT_NE(text.find("https://127.0.0.1:8443/healthz"), std::string::npos);
  EXPECT_NE(text.find("\nEXPOSE 8443 9464\n"), std::string::npos);
  EXPECT_NE(text.find("./deploy/build.sh"), std::string::npos);
}

// The Debian package of each library (paths ldd printed), by one `dpkg-query -S` (slow to start) over
// every spelling of each path: as printed, resolved, and under /lib and /usr/lib (merged /usr). A library
// no package owns is missing from the map.
std::map<std::string, std::string> packages_of(const std::vector<std::string>& libraries) {
  std::map<std::string, std::string> spelling_to_library;
  for (const auto& library : libraries) {
    for (const auto& candidate : {library, fs::canonical(library).string()}) {
      for (const auto& path : {candidate, replace_all(candidate, "/usr/lib/", "/lib/"),
                               candidate.rfind("/lib/", 0) == 0 ? "/usr" + candidate : candidate})
        spelling_to_library.emplace(path, library);
    }
  }
  std::vector<std::string> argv{"dpkg-query", "-S"};
  for (const auto& [path, library] : spelling_to_library) argv.push_back(path);
  std::string output;
  (void)run(argv, output);  // not 0 when a spelling is unknown, which is expected
  std::map<std::string, std::string> out;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    auto separator = line.find(": /");  // "package[:arch]: /path"
    if (separator == std::string::npos) continue;
    auto it = spelling_to_library.find(line.substr(separator + 2));
    if (it != spelling_to_library.end()) out[it->second] = line.substr(0, line.find(':'));
  }
  return out;
}

// The installed packages that `roots` depend on, recursively (Depends and Pre-Depends, every alternative),
// roots included, as dpkg records them: what apt installs along with the packages a stage names.
std::set<std::string> with_dependencies(const std::set<std::string>& roots) {
  std::set<std::string> seen;
  std::vector<std::string> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    std::vector<std::string> argv{"dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends},\n"};
    for (auto& p : todo)
      if (seen.insert(p).second) argv.push_back(p);
    todo.clear();
    if (argv.size() == 3) break;
    std::string output;
    (void)run(argv, output);  // not 0 when a name is not installed (an alternative), which is expected
    std::regex name(R"((?:^|[,|]\s*)([a-z0-9][a-z0-9.+-]+))");
    for (std::sregex_iterator it(output.begin(), output.end(), name), end; it != end; ++it) {
      std::string package = (*it)[1].str();
      if (!seen.contains(package)) todo.push_back(package);
    }
  }
  return seen;
}

TEST(dockerfile, run_time_stage_installs_every_library_the_binary_links) {
  auto text = read_file(repo("deploy/docker/Dockerfile"));
  auto runtime = text.substr(text.rfind("FROM debian:12-slim"));
  // What debian:12-slim has already: libc, libstdc++ and libsystemd0 with its libraries (apt needs them).
  std::set<std::string> base = {"libc6",   "libgcc-s1",   "libstdc++6",   "libsystemd0",
                                "zlib1g",  "liblzma5",    "libzstd1",     "liblz4-1",
                                "libcap2", "libgcrypt20", "libgpg-error0"};
  std::string output;
  ASSERT_EQ(run({"ldd", homebase_binary()}, output), 0) << output;
  std::regex line(R"(=> (/\S+) \(0x)");
  std::vector<std::string> libraries;
  for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it)
    libraries.push_back((*it)[1].str());
  EXPECT_GE(libraries.size(), 5u) << output;
  auto packages = packages_of(libraries);
  // A library may also come with a package the stage names, as its dependency (libcurl4 brings its own
  // libnghttp2, libssh2, ... along; apt installs them with it).
  std::set<std::string> named;
  std::regex word(R"([a-z0-9][a-z0-9.+-]+)");
  auto from = runtime.find("--no-install-recommends");
  ASSERT_NE(from, std::string::npos);
  auto apt_line = runtime.substr(from + 23, runtime.find("rm -rf /var/lib/apt/lists") - from - 23);
  for (std::sregex_iterator it(apt_line.begin(), apt_line.end(), word), end; it != end; ++it)
    named.insert(it->str());
  auto installed = with_dependencies(named);
  for (const auto& library : libraries) {
    ASSERT_TRUE(packages.contains(library)) << library << " belongs to no Debian package";
    const auto& package = packages[library];
    EXPECT_TRUE(base.contains(package) || runtime.find(" " + package + " ") != std::string::npos ||
                installed.contains(package))
        << library << " is in " << package << ", which the run-time stage does not install";
  }
}

}  // namespace
}  // namespace homebase::testing
