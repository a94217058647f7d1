def test_api_root_is_anonymous_and_reports_api_version(api_client, db):
    response = api_client.get("/api/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["apiVersion"] == 500
    assert {"server", "version", "instance", "apiVersion"} <= set(body)
