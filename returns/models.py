"""Return orders live here (see the return-order issue); the app is registered from the start."""
