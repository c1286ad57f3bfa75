// The Android build. It needs the Android SDK and a Gradle distribution,
// neither of which is on the CI machines: there, android/pom.xml builds and
// tests the platform-free modules for the desktop JVM, and
// scripts/check-android-adapters compiles the app module's adapters.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "chevet"
include(":app")
include(":libraries:chevet")
include(":libraries:designsystem")
include(":libraries:chevetui")
include(":features:round")
include(":features:signin")
include(":features:medication")
include(":features:handover")
include(":features:vitals")
include(":features:transmission")
include(":features:residentfile")
include(":features:scales")
include(":features:transfer")
include(":features:wounds")
include(":features:route")
include(":features:syncstatus")
include(":features:enrolment")
include(":features:shell")
