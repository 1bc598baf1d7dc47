// HttpGet's redirect rule: the request's headers (an API key) never reach another host, and
// https is never downgraded; redirects within the API's own host are followed.
#include "financelake/sources/http_client.h"

#include <gtest/gtest.h>

#include <string>

#include "financelake/sources/test_http_server.h"

namespace financelake::sources {
namespace {

using testing::TestHttpServer;

TEST(HttpClientTest, WhichRedirectsAreSafe) {
  EXPECT_TRUE(IsSafeRedirect("https://api.example.com/a?x=1", "https://api.example.com/b"));
  EXPECT_TRUE(IsSafeRedirect("https://API.example.com/a", "https://api.example.com:443/b"));
  EXPECT_TRUE(IsSafeRedirect("http://api.example.com/a", "https://api.example.com/b"));
  EXPECT_FALSE(IsSafeRedirect("https://api.example.com/a", "http://api.example.com/b"));
  EXPECT_FALSE(IsSafeRedirect("https://api.example.com/a", "https://evil.example.net/b"));
  EXPECT_FALSE(IsSafeRedirect("https://api.example.com/a", "https://api.example.com.evil.net/b"));
  EXPECT_FALSE(IsSafeRedirect("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a"));
  EXPECT_FALSE(IsSafeRedirect("http://127.0.0.1:8000/a", "http://localhost:8000/a"));
  EXPECT_FALSE(IsSafeRedirect("https://api.example.com/a", "ftp://api.example.com/b"));
  EXPECT_FALSE(IsSafeRedirect("https://api.example.com/a", "not a url"));
}

TEST(HttpClientTest, ARedirectToAnotherHostIsNotFollowed) {
  TestHttpServer other({{200, "{}"}});
  const std::string elsewhere =
      "http://localhost:" + other.url().substr(other.url().rfind(':') + 1);
  TestHttpServer api({{302, "", "Location: " + elsewhere + "/steal?apikey=k\r\n"}});
  HttpRequest req;
  req.url = api.url() + "/api/v3/simple/price?ids=bitcoin";
  req.headers = {"x-cg-demo-api-key: CG-supersecret"};
  auto resp = HttpGet(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 302);
  EXPECT_NE(resp->redirect_refused.find("not followed"), std::string::npos)
      << resp->redirect_refused;
  EXPECT_NE(resp->redirect_refused.find("/steal?apikey=REDACTED"), std::string::npos)
      << resp->redirect_refused;
  EXPECT_EQ(api.requests().size(), 1u);
  EXPECT_TRUE(other.requests().empty())
      << "the key was sent to another host: " << other.requests()[0];
}

TEST(HttpClientTest, ARedirectWithinTheHostIsFollowedWithTheHeaders) {
  TestHttpServer api({{301, "", "Location: /moved\r\n"}, {200, R"({"ok":true})"}});
  HttpRequest req;
  req.url = api.url() + "/first";
  req.headers = {"x-cg-demo-api-key: CG-k"};
  auto resp = HttpGet(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, R"({"ok":true})");
  EXPECT_TRUE(resp->redirect_refused.empty());
  ASSERT_EQ(api.requests().size(), 2u);
  EXPECT_EQ(api.requests()[1].rfind("GET /moved ", 0), 0u) << api.requests()[1];
  EXPECT_NE(api.requests()[1].find("x-cg-demo-api-key: CG-k"), std::string::npos);
}

TEST(HttpClientTest, EndlessRedirectsStop) {
  TestHttpServer api({{302, "", "Location: /again\r\n"}});
  HttpRequest req;
  req.url = api.url() + "/start";
  auto resp = HttpGet(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 302);
  EXPECT_NE(resp->redirect_refused.find("more than 3 redirects"), std::string::npos)
      << resp->redirect_refused;
  EXPECT_EQ(api.requests().size(), 4u);
}

}  // namespace
}  // namespace financelake::sources
