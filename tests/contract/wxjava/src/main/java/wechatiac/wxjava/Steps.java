package wechatiac.wxjava;

import cn.binarywang.wx.miniapp.json.WxMaGsonBuilder;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import me.chanjar.weixin.common.error.WxErrorException;
import me.chanjar.weixin.open.api.WxOpenComponentService;
import me.chanjar.weixin.open.api.WxOpenMaService;
import me.chanjar.weixin.open.api.WxOpenService;
import me.chanjar.weixin.open.bean.ma.WxFastMaCategory;
import me.chanjar.weixin.open.bean.ma.privacy.SetPrivacySetting;
import me.chanjar.weixin.open.bean.message.WxOpenMaSubmitAuditMessage;
import me.chanjar.weixin.open.bean.result.WxOpenQueryAuthResult;

/**
 * One WxJava call (or two) per step, named after what the step does. Arguments arrive in
 * WeChat's wire names; where WxJava takes a request bean, the bean is read from those arguments
 * with WxJava's own Gson, and WxJava serializes it on the way out as it always does.
 */
final class Steps {
  private static final Gson WXJAVA_GSON = WxMaGsonBuilder.create();

  private final WxOpenComponentService component;
  private final String appid;

  Steps(WxOpenService service, String appid) {
    this.component = service.getWxOpenComponentService();
    this.appid = appid;
  }

  Object run(String step, JsonObject a) throws WxErrorException {
    WxOpenMaService ma = component.getWxMaServiceByAppid(a.has("appid") ? a.get("appid").getAsString() : appid);
    return switch (step) {
      // Tokens: forced, so each test starts from tokens the current emulator issued.
      case "component_token" -> tokenShape(component.getComponentAccessToken(true));
      case "authorizer_token" -> tokenShape(component.getAuthorizerAccessToken(appid, true));
      case "pre_auth_url" -> preAuthUrl(component.getPreAuthUrl(str(a, "redirect_uri")));
      case "query_auth" -> queryAuth(component.getQueryAuth(str(a, "authorization_code")));
      // Template library (component token).
      case "template_draft_list" -> component.getTemplateDraftList();
      case "add_to_template" -> {
        component.addToTemplate(a.get("draft_id").getAsLong());
        yield null;
      }
      case "template_list" -> component.getTemplateList();
      case "platform_server_domain" -> component.modifyWxaServerDomain(str(a, "action"),
          list(a, "requestdomain"), list(a, "wsrequestdomain"), list(a, "uploaddomain"),
          list(a, "downloaddomain"), list(a, "udpdomain"), list(a, "tcpdomain"));
      // Domains and members.
      case "modify_domain" -> ma.modifyDomain(str(a, "action"), list(a, "requestdomain"),
          list(a, "wsrequestdomain"), list(a, "uploaddomain"), list(a, "downloaddomain"),
          list(a, "udpdomain"), list(a, "tcpdomain"));
      case "webview_domain" -> ma.setWebViewDomainInfo(str(a, "action"), list(a, "webviewdomain"));
      case "bind_tester" -> ma.bindTester(str(a, "wechatid"));
      case "unbind_tester" -> ma.unbindTester(str(a, "wechatid"));
      case "tester_list" -> ma.getTesterList();
      // Profile, categories, privacy.
      case "account_basic_info" -> ma.getBasicService().getAccountBasicInfo();
      case "get_category" -> ma.getBasicService().getCategory();
      case "add_category" -> ma.getBasicService().addCategory(WXJAVA_GSON.fromJson(a.get("categories"),
          new TypeToken<List<WxFastMaCategory>>() { }.getType()));
      case "audit_category_list" -> ma.getCategoryList();
      case "set_privacy_setting" -> {
        ma.getPrivacyService().setPrivacySetting(WXJAVA_GSON.fromJson(a, SetPrivacySetting.class));
        yield null;
      }
      case "get_privacy_setting" -> ma.getPrivacyService().getPrivacySetting(a.get("privacy_ver").getAsInt());
      // Code, audit, release.
      case "commit" -> ma.codeCommit(a.get("template_id").getAsLong(), str(a, "user_version"),
          str(a, "user_desc"), WXJAVA_GSON.fromJson(a.get("ext"), Map.class));
      case "page_list" -> ma.getPageList();
      case "test_qrcode" -> fileShape(ma.getTestQrcode(str(a, "path"), null));
      case "submit_audit" -> ma.submitAudit(WXJAVA_GSON.fromJson(a, WxOpenMaSubmitAuditMessage.class));
      case "audit_status" -> ma.getAuditStatus(a.get("auditid").getAsLong());
      case "latest_audit_status" -> ma.getLatestAuditStatus();
      case "undo_code_audit" -> ma.undoCodeAudit();
      case "speedup_audit" -> ma.speedAudit(a.get("auditid").getAsLong());
      case "query_quota" -> ma.queryQuota();
      case "release" -> ma.releaseAudited();
      case "gray_release" -> ma.grayRelease(a.get("gray_percentage").getAsInt());
      case "gray_release_plan" -> ma.getGrayReleasePlan();
      case "revert_gray_release" -> ma.revertGrayRelease();
      case "history_version" -> ma.getHistoryVersion();
      case "revert_code_release" -> ma.revertCodeRelease();
      case "version_info" -> ma.getVersionInfo();
      case "visit_status" -> ma.getVisitStatus();
      case "change_visit_status" -> ma.changeVisitStatus(str(a, "action"));
      default -> throw new IllegalArgumentException("unknown step " + step);
    };
  }

  /** Never the token itself: only that WxJava holds one. */
  private static JsonObject tokenShape(String token) {
    JsonObject shape = new JsonObject();
    shape.addProperty("present", token != null && !token.isEmpty());
    shape.addProperty("length", token == null ? 0 : token.length());
    return shape;
  }

  /** The authorization page URL, without the pre_auth_code's value. */
  private static JsonObject preAuthUrl(String url) {
    URI uri = URI.create(url);
    JsonObject shape = new JsonObject();
    shape.addProperty("host", uri.getHost());
    shape.addProperty("path", uri.getPath());
    JsonArray keys = new JsonArray();
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      keys.add(kv[0]);
      if (kv[0].equals("pre_auth_code")) {
        shape.addProperty("pre_auth_code_present", kv.length == 2 && !kv[1].isEmpty());
      }
    }
    shape.add("query_keys", keys);
    return shape;
  }

  private static JsonObject queryAuth(WxOpenQueryAuthResult result) {
    var info = result.getAuthorizationInfo();
    JsonObject shape = new JsonObject();
    shape.addProperty("authorizer_appid", info.getAuthorizerAppid());
    shape.addProperty("access_token_present", info.getAuthorizerAccessToken() != null);
    shape.addProperty("refresh_token_present", info.getAuthorizerRefreshToken() != null);
    shape.addProperty("expires_in", info.getExpiresIn());
    shape.add("func_info", new Gson().toJsonTree(info.getFuncInfo()));
    return shape;
  }

  /** getTestQrcode hands back a temporary file: its size and its first bytes. */
  private static JsonObject fileShape(File file) {
    try {
      byte[] bytes = Files.readAllBytes(file.toPath());
      JsonObject shape = new JsonObject();
      shape.addProperty("bytes", bytes.length);
      shape.addProperty("jpeg", bytes.length > 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8);
      shape.addProperty("head", new String(Arrays.copyOf(bytes, Math.min(bytes.length, 40)), StandardCharsets.ISO_8859_1));
      Files.deleteIfExists(file.toPath());
      return shape;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String str(JsonObject a, String key) {
    JsonElement value = a.get(key);
    return value == null || value.isJsonNull() ? null : value.getAsString();
  }

  private static List<String> list(JsonObject a, String key) {
    JsonElement value = a.get(key);
    if (value == null || value.isJsonNull()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    value.getAsJsonArray().forEach(item -> out.add(item.getAsString()));
    return out;
  }
}
