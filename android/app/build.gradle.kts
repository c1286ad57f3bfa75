// The Android app: Activity, wiring and the platform adapters. Everything
// else is in the platform-free modules (also built for the desktop JVM).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "fr.chevet.android.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "fr.chevet.android"
        minSdk = 28
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    sourceSets["main"].java.srcDirs("src/main/kotlin")
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    // 16 KB pages: the .so files are aligned by scripts/build-android.
    packaging { jniLibs { useLegacyPackaging = false } }
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":libraries:chevet"))
    implementation(project(":libraries:designsystem"))
    implementation(project(":features:round"))
    implementation(project(":features:signin"))
    implementation(project(":features:shell"))
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.core)
    implementation(libs.androidx.work.runtime)
    implementation(libs.kotlinx.coroutines.android)
    // The enrolment QR code, decoded from Camera2 frames (pure Java).
    implementation(libs.zxing.core)
}
