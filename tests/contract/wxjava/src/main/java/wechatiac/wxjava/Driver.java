package wechatiac.wxjava;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.chanjar.weixin.common.error.WxErrorException;
import me.chanjar.weixin.open.api.WxOpenComponentService;
import me.chanjar.weixin.open.api.WxOpenService;
import me.chanjar.weixin.open.api.impl.WxOpenInMemoryConfigStorage;

/**
 * Drives WxJava against the emulator, one step at a time: the test writes one JSON object per
 * line on stdin ({"step": NAME, ...arguments}) and reads one JSON line per step on stdout:
 *
 * <pre>
 *   {"step": NAME, "ok": true,  "errcode": 0, "result": WHAT WXJAVA RETURNED}
 *   {"step": NAME, "ok": false, "errcode": N, "errmsg": ..., "errmsg_en": ...}   a WxErrorException
 *   {"step": NAME, "ok": false, "errcode": null, "exception": "..."}    anything else
 * </pre>
 *
 * <p>"result" is WxJava's own result bean serialized as it is (its {@code @SerializedName} wire
 * names), so a field WxJava did not read is absent. Steps live in {@link Steps}.
 *
 * <p>Configuration comes from the environment (secrets never go on the command line):
 * WXJAVA_EMULATOR_URL, WXJAVA_COMPONENT_APPID, WXJAVA_COMPONENT_SECRET, WXJAVA_VERIFY_TICKET,
 * WXJAVA_AUTHORIZER_APPID, WXJAVA_REFRESH_TOKEN, and WXJAVA_RETRY_SLEEP_MILLIS (WxJava's retry
 * pause after errcode -1; WxJava's default is 1000).
 */
public final class Driver {
  private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
  /** Beans are written without nulls: an absent field is one WxJava did not read. */
  private static final Gson BEANS = new GsonBuilder().disableHtmlEscaping().create();

  private Driver() {
  }

  public static void main(String[] args) throws Exception {
    PrintStream protocol = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.setOut(System.err); // a library printing to stdout must not corrupt the protocol
    Steps steps = new Steps(openService(), require("WXJAVA_AUTHORIZER_APPID"));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    protocol.println(JSON.toJson(ready()));
    for (String line; (line = in.readLine()) != null; ) {
      if (!line.isBlank()) {
        protocol.println(JSON.toJson(run(steps, JSON.fromJson(line, JsonObject.class))));
      }
    }
  }

  private static WxOpenService openService() {
    WxOpenInMemoryConfigStorage config = new WxOpenInMemoryConfigStorage();
    config.setComponentAppId(require("WXJAVA_COMPONENT_APPID"));
    config.setComponentAppSecret(require("WXJAVA_COMPONENT_SECRET"));
    // What WxOpenComponentService.route() stores when WeChat pushes the ticket.
    config.setComponentVerifyTicket(require("WXJAVA_VERIFY_TICKET"));
    // WxJava's documented knob: it reaches the mini-program (authorizer) calls only.
    config.setApiHostUrl(require("WXJAVA_EMULATOR_URL"));
    config.setRetrySleepMillis(Integer.parseInt(System.getenv().getOrDefault("WXJAVA_RETRY_SLEEP_MILLIS", "1000")));
    config.updateAuthorizerRefreshToken(require("WXJAVA_AUTHORIZER_APPID"), require("WXJAVA_REFRESH_TOKEN"));
    WxOpenService service = new EmulatorRoutedOpenService(require("WXJAVA_EMULATOR_URL"));
    service.setWxOpenConfigStorage(config);
    return service;
  }

  private static JsonObject ready() {
    JsonObject ready = new JsonObject();
    ready.addProperty("step", "ready");
    ready.addProperty("ok", true);
    // The jar WxJava was loaded from: the published artifact out of the Maven repository.
    ready.addProperty("wxjava_jar", WxOpenComponentService.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    return ready;
  }

  private static JsonObject run(Steps steps, JsonObject request) {
    String step = request.get("step").getAsString();
    JsonObject answer = new JsonObject();
    answer.addProperty("step", step);
    try {
      Object result = steps.run(step, request);
      answer.addProperty("ok", true);
      answer.addProperty("errcode", 0);
      answer.add("result", result instanceof JsonElement json ? json
          : result == null ? JsonNull.INSTANCE : BEANS.toJsonTree(result));
    } catch (WxErrorException e) {
      answer.addProperty("ok", false);
      answer.addProperty("errcode", e.getError().getErrorCode());
      answer.addProperty("errmsg", e.getError().getErrorMsg()); // WxJava's own text for the code
      answer.addProperty("errmsg_en", e.getError().getErrorMsgEn()); // what WeChat answered
    } catch (RuntimeException e) {
      answer.addProperty("ok", false);
      answer.add("errcode", JsonNull.INSTANCE);
      answer.addProperty("exception", e.getClass().getName() + ": " + e.getMessage());
    }
    return answer;
  }

  private static String require(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException("environment variable " + name + " is not set");
    }
    return value;
  }
}
