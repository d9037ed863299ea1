def test_settings_load_in_test_mode(settings):
    assert settings.ENV == "test"
