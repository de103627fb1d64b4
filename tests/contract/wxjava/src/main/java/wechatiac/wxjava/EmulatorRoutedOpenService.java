package wechatiac.wxjava;

import me.chanjar.weixin.common.error.WxErrorException;
import me.chanjar.weixin.open.api.impl.WxOpenServiceImpl;

/**
 * WxJava's default open-platform service, with its component calls sent to the emulator.
 *
 * <p>Why a subclass: WxJava's {@code apiHostUrl} setting reaches only the mini-program services
 * (BaseWxMaServiceImpl rewrites the host of every authorizer call). The component calls
 * (WxOpenComponentServiceImpl: api_component_token, api_authorizer_token, templates, ...) pass
 * absolute https://api.weixin.qq.com URLs straight to {@code WxOpenService.get/post}, and an
 * HTTP proxy cannot rewrite https without intercepting TLS. These two public methods are the one
 * place every component call goes through, so overriding them is the smallest honest seam: the
 * request WxJava builds (path, query, body, token parameter) reaches the emulator unchanged but
 * for scheme, host and port.
 */
final class EmulatorRoutedOpenService extends WxOpenServiceImpl {
  static final String WECHAT_HOST = "https://api.weixin.qq.com";

  private final String emulatorBaseUrl;

  EmulatorRoutedOpenService(String emulatorBaseUrl) {
    this.emulatorBaseUrl = emulatorBaseUrl.replaceAll("/+$", "");
  }

  @Override
  public String get(String url, String queryParam) throws WxErrorException {
    return super.get(route(url), queryParam);
  }

  @Override
  public String post(String url, String postData) throws WxErrorException {
    return super.post(route(url), postData);
  }

  private String route(String url) {
    if (!url.startsWith(WECHAT_HOST + "/")) {
      // Anything else would leave this machine: refuse rather than send it.
      throw new IllegalStateException("WxJava called a host other than " + WECHAT_HOST + ": " + url.split("\\?")[0]);
    }
    return emulatorBaseUrl + url.substring(WECHAT_HOST.length());
  }
}
